import fc from 'fast-check';

/** Characters that have broken parsers before: NUL, lone surrogates, BOM, line separators, RTL override, astral. */
const ODD = ['\u0000', '\uD800', '\uDFFF', '\uFEFF', '\u2028', '\u2029', '\u202E', '\r', '\n', '\t', '"', '\\', '/', '=', '+', '—', '0', '-', ' ', '🜂', '\u{10FFFF}', 'é\u0301', '%', 'e', '.'];
/** Member names that can reach prototypes or confuse lookups. */
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'type', 'signature', 'sequence', 'payload'];

const oddString = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom(...ODD), fc.constantFrom('', 'x'.repeat(70_000), '9'.repeat(40), '-0', '1e999', 'NaN'));
const oddNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, -1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e308, Number.MAX_SAFE_INTEGER, 0.5));
/** A replacement value of any JSON type (JSON.parse can produce no other). */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), oddString, oddNumber);

interface Mutation {
  op: 'replace' | 'delete' | 'add' | 'edit-string' | 'wrap';
  at: number;
  key: string;
  value: unknown;
  cut: number;
  insert: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Mutation['op']>('replace', 'delete', 'add', 'edit-string', 'wrap'),
  at: fc.nat(),
  key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })),
  value: anyJson,
  cut: fc.nat(),
  insert: oddString,
});

/** Every [container, key] inside `root` (objects and arrays), depth first. */
function slots(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), walk(v)));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) (out.push([value as Record<string, unknown>, k]), walk(v));
  };
  walk(root);
  return out;
}

/** Sets an own member (even `__proto__`, as JSON.parse would) without touching prototypes. */
function define(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyMutation(root: unknown, m: Mutation): unknown {
  const all = slots(root);
  if (all.length === 0) return m.op === 'wrap' ? [root] : m.value;
  const [container, key] = all[m.at % all.length]!;
  const current = (container as Record<string | number, unknown>)[key];
  if (m.op === 'replace') define(container, key, m.value);
  else if (m.op === 'delete') Array.isArray(container) ? container.splice(Number(key), 1) : delete (container as Record<string, unknown>)[key as string];
  else if (m.op === 'add') Array.isArray(container) ? container.push(m.value) : define(container, m.key, m.value);
  else if (m.op === 'wrap') define(container, key, m.at % 2 === 0 ? [current] : { [m.key]: current });
  else if (typeof current === 'string') define(container, key, current.slice(0, m.cut % (current.length + 1)) + m.insert + current.slice((m.cut % (current.length + 1)) + (m.at % 3)));
  else define(container, key, typeof current === 'number' ? current + (m.at % 2 === 0 ? 1 : -1) * (m.cut % 1000) : m.value);
  return root;
}

/** Valid JSON seeds, each changed 1–4 times (members replaced, removed, added, wrapped, strings edited), or any JSON value. */
export function mutatedJson(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([seed, ms]) => ms.reduce((v, m) => applyMutation(v, m), structuredClone(seed) as unknown));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constantFrom(...seeds).map((s) => structuredClone(s) as unknown) });
}

interface TextEdit {
  at: number;
  length: number;
  insert: string;
  op: 'insert' | 'delete' | 'replace' | 'duplicate-line' | 'drop-line' | 'truncate';
}

const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.nat(),
  length: fc.nat({ max: 12 }),
  insert: oddString,
  op: fc.constantFrom<TextEdit['op']>('insert', 'delete', 'replace', 'duplicate-line', 'drop-line', 'truncate'),
});

function applyEdit(text: string, e: TextEdit): string {
  const at = e.at % (text.length + 1);
  if (e.op === 'insert') return text.slice(0, at) + e.insert + text.slice(at);
  if (e.op === 'delete') return text.slice(0, at) + text.slice(at + e.length + 1);
  if (e.op === 'replace') return text.slice(0, at) + e.insert + text.slice(at + e.length);
  if (e.op === 'truncate') return text.slice(0, at);
  const lines = text.split('\n');
  const i = e.at % lines.length;
  if (e.op === 'duplicate-line') lines.splice(i, 0, lines[i] ?? '');
  else lines.splice(i, 1);
  return lines.join('\n');
}

/** Valid text seeds with 1–4 edits (characters and lines inserted, removed, replaced; truncation), or any string. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(textEdit, { minLength: 1, maxLength: 4 })).map(([seed, edits]) => edits.reduce(applyEdit, seed));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: oddString }, { weight: 1, arbitrary: fc.constantFrom(...seeds) });
}

/** Bytes: valid UTF-8 seeds with edits, or random bytes (invalid UTF-8 included). */
export function mutatedBytes(seeds: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(mutatedText(seeds).map((t) => new TextEncoder().encode(t)), fc.uint8Array({ maxLength: 400 }));
}
