// Architecture boundaries (STYLE.md §1 "Imports point inward"; runbook Appendix C `make check-imports`).
// Run: `npm run check-imports` (depcruise src --config .dependency-cruiser.cjs). Every rule is an error.
// Type-only imports count too (tsPreCompilationDeps): a domain file that imports a type from an adapter is
// coupled to it just the same.
//
// Layers: src/domain (pure logic) <- src/app (use cases, ports) <- src/adapters, src/api, src/cli; src/console is
// the browser bundle. src/main.ts and src/compose.ts are the composition roots and may import everything.

/** Packages that do I/O or tie code to a framework: never in src/domain, never in the browser console. */
const IO_PACKAGES = [
  'fastify',
  '@fastify/[^/]+',
  'pg',
  'pg-[^/]+',
  'ioredis',
  'pino',
  'pino-[^/]+',
  'prom-client',
  '@electric-sql/pglite',
  'pkcs11js',
  'sodium-native',
  'commander',
  'cli-progress',
];
/** Matches a resolved path inside one of IO_PACKAGES (or the bare name of an unresolved one). */
const IO_PACKAGE_PATH = `(^|/)node_modules/(${IO_PACKAGES.join('|')})/|^(${IO_PACKAGES.join('|')})$`;

/** Node's built-in modules, as depcruise names them (`node:fs`, `fs`, `fs/promises`). */
const NODE_BUILTIN_PATH = `^(node:)?(${require('node:module').builtinModules.join('|')})(/|$)`;

const ROOTS = '^src/(main|compose)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'domain-imports-outer-layer',
      comment: 'src/domain is pure logic: it imports nothing from app, adapters, api, cli, console or the composition roots.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(app|adapters|api|cli|console)/', '^src/[^/]+[.]ts$'] },
    },
    {
      name: 'domain-imports-node-builtin',
      comment: 'src/domain does no I/O and runs in the browser too: no node: built-in modules.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-imports-io-package',
      comment: 'src/domain imports no framework or I/O package (fastify, pg, ioredis, pino, prom-client, PGlite, pkcs11js, sodium-native, commander, …).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: IO_PACKAGE_PATH },
    },
    {
      name: 'app-imports-outer-layer',
      comment: 'src/app (use cases) reaches the world through the ports of app/ports.ts, never through adapters, api, cli or console.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/(adapters|api|cli|console)/', ROOTS] },
    },
    {
      name: 'adapters-import-entry-layer',
      comment: 'src/adapters implement ports; they do not import the HTTP API, the CLI, the console or the composition roots.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^src/(api|cli|console)/', ROOTS] },
    },
    {
      name: 'api-imports-cli',
      comment: 'src/api and src/cli both depend on the application layer, not on each other.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-imports-api',
      comment: 'src/cli and src/api both depend on the application layer, not on each other (a CLI command that serves HTTP goes through a composition root).',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'console-imports-server-layer',
      comment: 'src/console is the browser bundle: it imports src/domain and pure src/app modules only.',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: ['^src/(adapters|api|cli)/', '^src/[^/]+[.]ts$'] },
    },
    {
      name: 'console-reaches-node-builtin',
      comment: 'src/console runs in the browser: nothing it imports, directly or through app/domain modules, may use a node: built-in.',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: NODE_BUILTIN_PATH, reachable: true },
    },
    {
      name: 'console-reaches-io-package',
      comment: 'src/console runs in the browser: the app modules it imports must be pure (no framework or I/O package, directly or transitively).',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: IO_PACKAGE_PATH, reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve would hide a boundary crossing (and fail at run time).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Cruise src/ only; node_modules are leaves (their internals are not ours to check).
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // tsconfig.json excludes src/console (it has its own DOM-typed tsconfig), but resolution is the same: NodeNext,
    // `.js` specifiers naming `.ts` sources.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
