import { InputError } from '../errors.js';

/** A JSON value as the protocol accepts it: I-JSON (RFC 7493) data, no undefined, no non-finite numbers. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Serialises `value` with the JSON Canonicalization Scheme (RFC 8785).
 *
 * - Object members are sorted by their names as arrays of UTF-16 code units (RFC 8785 §3.2.3),
 *   which is what the default `Array.prototype.sort` comparison does for strings.
 * - Numbers use the ECMAScript Number-to-String algorithm (§3.2.2.3); `JSON.stringify` applies it
 *   for finite numbers and prints -0 as 0, as JCS requires.
 * - Strings use the ECMAScript JSON string escaping (§3.2.2.2).
 *
 * Throws InputError INPUT_PAYLOAD_INVALID (naming the JSON path) for anything JCS cannot encode:
 * non-finite numbers, lone surrogates (RFC 8785 §3.2.2.2 requires valid Unicode), undefined,
 * functions, bigint, symbols and objects that are not plain (Date, Map, class instances).
 * Input is assumed attacker-controlled.
 */
export function canonicalize(value: unknown, path = '$'): string {
  // Fast path: a value already in JCS order (what JSON.parse gives back for JCS text, so every export line and
  // stored payload) is its own JCS text when JSON.stringify writes it, since JCS takes ES number and string
  // serialisation as they are. Anything else (unsorted members, a value JCS refuses) takes the general encoder,
  // which sorts, and throws naming the path.
  if (isInJcsOrder(value)) return JSON.stringify(value);
  return encodeValue(value, path);
}

/**
 * True when JSON.stringify(value) is already the JCS text: only JSON types, finite numbers, well-formed strings,
 * plain objects whose own member names (in Object.keys order, which is JSON.stringify's order) strictly ascend by
 * UTF-16 code units, arrays without holes. Integer-like names ("10", "9") come out of Object.keys in numeric
 * order, not code-unit order, and so fail the ascending test and take the general encoder.
 */
function isInJcsOrder(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'string':
      return value.isWellFormed();
    case 'object': {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isInJcsOrder(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      let previous: string | undefined;
      for (const key of Object.keys(value)) {
        if ((previous !== undefined && !(previous < key)) || !key.isWellFormed()) return false;
        if (!isInJcsOrder((value as Record<string, unknown>)[key])) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid(path, 'is not a finite number');
      return JSON.stringify(value);
    case 'string':
      return encodeString(value, path);
    case 'object':
      return Array.isArray(value) ? encodeArray(value, path) : encodeObject(value as object, path);
    default:
      throw invalid(path, `has type ${typeof value}, which JSON cannot represent`);
  }
}

function encodeString(value: string, path: string): string {
  if (!value.isWellFormed()) throw invalid(path, 'contains a lone UTF-16 surrogate (not valid Unicode)');
  return JSON.stringify(value);
}

function encodeArray(value: unknown[], path: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i++) parts.push(encodeValue(value[i], `${path}[${i}]`));
  return `[${parts.join(',')}]`;
}

function encodeObject(value: object, path: string): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw invalid(path, 'is not a plain JSON object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const memberPath = `${path}.${key}`;
    parts.push(`${encodeString(key, memberPath)}:${encodeValue(record[key], memberPath)}`);
  }
  return `{${parts.join(',')}}`;
}

function invalid(path: string, problem: string): InputError {
  return new InputError({ code: 'INPUT_PAYLOAD_INVALID', message: `${path} ${problem}`, details: { path } });
}
