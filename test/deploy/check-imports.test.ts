import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './deploy-files.js';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/**
 * `npm run check-imports` in a scratch project: this repository's package.json, .dependency-cruiser.cjs and
 * tsconfig.json, its node_modules (linked), and `files` as src/. Returns the exit status and the violations
 * dependency-cruiser reports (its JSON output, same rules).
 */
function checkImports(dir: string, files: Record<string, string>): { status: number | null; output: string; violations: Violation[] } {
  for (const name of ['package.json', '.dependency-cruiser.cjs', 'tsconfig.json']) copyFileSync(join(ROOT, name), join(dir, name));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const run = spawnSync('npm', ['run', '--silent', 'check-imports'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const json = spawnSync('npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const violations = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations;
  return { status: run.status, output: run.stdout + run.stderr, violations };
}

/** A layered tree that keeps every rule: what the fixtures below break one import at a time. */
const CLEAN: Record<string, string> = {
  'src/domain/hash.ts': "import { sha256 } from '@noble/hashes/sha2.js';\nexport const hash = (b: Uint8Array) => sha256(b);\n",
  'src/domain/errors.ts': 'export class AppError extends Error {}\n',
  'src/app/ports.ts': "import type { AppError } from '../domain/errors.js';\nexport interface Store { put(e: AppError): void }\n",
  'src/app/pure.ts': "import { hash } from '../domain/hash.js';\nexport const id = (b: Uint8Array) => hash(b);\n",
  'src/adapters/pg-store.ts': "import pg from 'pg';\nimport type { Store } from '../app/ports.js';\nexport const make = (): Store & { pool: unknown } => ({ pool: pg.Pool, put() {} });\n",
  'src/api/app.ts': "import Fastify from 'fastify';\nimport { id } from '../app/pure.js';\nexport const build = () => Fastify().get('/', async () => id(new Uint8Array()));\n",
  'src/cli/main.ts': "import { Command } from 'commander';\nimport { runServer } from '../main.js';\nexport const cli = new Command().action(runServer);\n",
  'src/console/page.ts': "import { id } from '../app/pure.js';\nexport const show = () => id(new Uint8Array());\n",
  'src/main.ts': "import { readFileSync } from 'node:fs';\nimport { build } from './api/app.js';\nimport { make } from './adapters/pg-store.js';\nexport const runServer = () => [build(), make(), readFileSync];\n",
  'src/compose.ts': "import { make } from './adapters/pg-store.js';\nimport { cli } from './cli/main.js';\nexport const all = [make, cli];\n",
};

/** One import per boundary, each a violation of the named rule (files named apart, so that all fit in one tree). */
const VIOLATIONS: { name: string; files: Record<string, string>; rule: string; from: string; to: RegExp }[] = [
  { name: 'the domain importing pg', files: { 'src/domain/bad-pg.ts': "import pg from 'pg';\nexport const p = pg;\n" }, rule: 'domain-imports-io-package', from: 'src/domain/bad-pg.ts', to: /node_modules\/pg\// },
  { name: 'the domain importing fastify', files: { 'src/domain/bad-fastify.ts': "import Fastify from 'fastify';\nexport const f = Fastify;\n" }, rule: 'domain-imports-io-package', from: 'src/domain/bad-fastify.ts', to: /node_modules\/fastify\// },
  { name: 'the domain importing a node: built-in', files: { 'src/domain/bad-fs.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n" }, rule: 'domain-imports-node-builtin', from: 'src/domain/bad-fs.ts', to: /^(node:)?fs$/ },
  {
    name: 'the domain importing a type from an adapter',
    files: { 'src/domain/bad-type.ts': "import type { make } from '../adapters/pg-store.js';\nexport type M = typeof make;\n" },
    rule: 'domain-imports-outer-layer',
    from: 'src/domain/bad-type.ts',
    to: /^src\/adapters\/pg-store\.ts$/,
  },
  { name: 'the application importing an adapter', files: { 'src/app/bad-adapter.ts': "import { make } from '../adapters/pg-store.js';\nexport const m = make;\n" }, rule: 'app-imports-outer-layer', from: 'src/app/bad-adapter.ts', to: /^src\/adapters\// },
  { name: 'an adapter importing the API', files: { 'src/adapters/bad-api.ts': "import { build } from '../api/app.js';\nexport const b = build;\n" }, rule: 'adapters-import-entry-layer', from: 'src/adapters/bad-api.ts', to: /^src\/api\// },
  { name: 'the CLI importing the API', files: { 'src/cli/bad-api.ts': "import { build } from '../api/app.js';\nexport const b = build;\n" }, rule: 'cli-imports-api', from: 'src/cli/bad-api.ts', to: /^src\/api\// },
  { name: 'the API importing the CLI', files: { 'src/api/bad-cli.ts': "import { cli } from '../cli/main.js';\nexport const c = cli;\n" }, rule: 'api-imports-cli', from: 'src/api/bad-cli.ts', to: /^src\/cli\// },
  {
    name: 'the console importing an application module that uses a node: built-in',
    files: {
      'src/app/impure.ts': "import { createHash } from 'node:crypto';\nexport const h = () => createHash('sha256');\n",
      'src/console/bad-impure.ts': "import { h } from '../app/impure.js';\nexport const x = h;\n",
    },
    rule: 'console-reaches-node-builtin',
    from: 'src/console/bad-impure.ts',
    to: /^(node:)?crypto$/,
  },
  { name: 'the console importing an adapter', files: { 'src/console/bad-adapter.ts': "import { make } from '../adapters/pg-store.js';\nexport const m = make;\n" }, rule: 'console-imports-server-layer', from: 'src/console/bad-adapter.ts', to: /^src\/adapters\// },
  // The same import, seen by the transitive rule: through the adapter, the browser bundle would reach pg.
  { name: 'the console reaching pg through that adapter', files: {}, rule: 'console-reaches-io-package', from: 'src/console/bad-adapter.ts', to: /node_modules\/pg\// },
];

describe('npm run check-imports (architecture boundaries)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'archon72-check-imports-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('passes on this repository', () => {
    const result = spawnSync('npm', ['run', '--silent', 'check-imports'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('no dependency violations found');
  }, 60_000);

  it('passes on a layered tree that keeps the boundaries, the composition roots importing everything', () => {
    const result = checkImports(scratch(), CLEAN);
    expect(result.violations).toEqual([]);
    expect(result.status, result.output).toBe(0);
  }, 120_000);

  describe('on the same tree with one boundary-crossing import per rule', () => {
    let result: ReturnType<typeof checkImports>;
    beforeAll(() => {
      result = checkImports(scratch(), Object.assign({}, CLEAN, ...VIOLATIONS.map((v) => v.files)));
    }, 120_000);

    it('fails', () => {
      expect(result.status).not.toBe(0);
    });

    it('reports exactly the crossing imports, no more', () => {
      const found = result.violations.map((v) => `${v.rule.name}: ${v.from}`).sort();
      expect(found).toEqual(VIOLATIONS.map((v) => `${v.rule}: ${v.from}`).sort());
    });

    it.each(VIOLATIONS.map((v) => [v.name, v] as const))('catches %s', (_name, fixture) => {
      expect(result.output).toContain(fixture.rule);
      expect(result.violations).toContainEqual(expect.objectContaining({ from: fixture.from, to: expect.stringMatching(fixture.to), rule: expect.objectContaining({ name: fixture.rule }) }));
    });
  });
});
