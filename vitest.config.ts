import { defineConfig } from 'vitest/config';

// Three projects, named for what a test needs (STYLE.md §7): unit (*.test.ts, no services), int (*.int.test.ts,
// real PostgreSQL / Redis / SoftHSM; skipped with a reason unless ARCHON72_REQUIRE_SERVICES=1) and e2e
// (*.e2e.test.ts, the built CLI and server as real processes). `npm test` runs all three.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          setupFiles: ['test/support/native-sha256.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          setupFiles: ['test/support/native-sha256.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Suites share one PostgreSQL server; each creates its own database, but heavy suites run one at a time.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/support/build-once.ts'],
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      thresholds: { 'src/domain/**': { lines: 100, branches: 100, functions: 100, statements: 100 } },
    },
  },
});
