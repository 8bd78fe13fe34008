import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root (vitest runs from it). */
export const ROOT = process.cwd();

/** A file of the repository, as text. */
export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Every YAML document of a repository file; throws on the first YAML error (a file Compose or kubectl would refuse). */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readRepoFile(path)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  });
}

/** The only YAML document of a repository file. */
export function readYaml<T>(path: string): T {
  const docs = readYamlDocuments(path);
  if (docs.length !== 1) throw new Error(`${path}: expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

/**
 * Compose's variable interpolation with nothing set in the environment: `${NAME:-default}` and `${NAME-default}`
 * become the default, `${NAME}` and `$NAME` the empty string, `$$` a literal `$`.
 */
export function interpolateUnset(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, _braced, fallback: string | undefined) =>
    match === '$$' ? '$' : (fallback ?? ''),
  );
}

/** One instruction of a Dockerfile: its keyword (upper case), its arguments (continuations joined) and its line. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

/**
 * The instructions of a Dockerfile, as BuildKit reads them: `#` lines are comments (inside a continuation too),
 * a trailing `\` continues the instruction on the next line.
 */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === undefined)) return;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1).trim() : line;
    pending = pending === undefined ? { text: part, line: index + 1 } : { ...pending, text: `${pending.text} ${part}`.trim() };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

/** A build stage: its FROM image (ARGs before the first FROM substituted), its name, and its instructions. */
export interface DockerStage {
  image: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

/** The stages of a parsed Dockerfile, in order. */
export function dockerStages(instructions: DockerInstruction[]): DockerStage[] {
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const resolved = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, arg: string) => globalArgs.get(arg) ?? '');
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key = '', value = ''] = instruction.args.split('=');
      globalArgs.set(key, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The variables an ENV instruction sets (`ENV A=1 B=2`, or the legacy `ENV A 1`). */
export function envOf(instruction: DockerInstruction): Record<string, string> {
  if (!instruction.args.includes('=')) {
    const [key = '', ...value] = instruction.args.split(/\s+/);
    return { [key]: value.join(' ') };
  }
  return Object.fromEntries(instruction.args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string]));
}

/** Cosigner entries that CHECKPOINT_COSIGNERS accepts: `count` distinct names and Ed25519-sized keys. */
export function validCosigners(count: number): string {
  return Array.from({ length: count }, (_, i) => `w${i + 1}.example.net/archon72=https://w${i + 1}.example.net=${Buffer.alloc(32, i + 1).toString('base64')}`).join(';');
}
