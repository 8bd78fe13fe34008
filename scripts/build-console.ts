import { build } from 'esbuild';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds the observer console into dist/console: one bundled script (the page's code and the shared domain code it
 * verifies with), one style sheet and the page. Everything is written into a fresh directory that replaces the old
 * one at the end, so a failed build never leaves a page whose script does not match it (loadConsoleAssets serves
 * these files).
 */
const source = 'src/console';
const target = 'dist/console';
const staging = `${target}.building`;

rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
await build({
  entryPoints: { app: join(source, 'main.ts') },
  outdir: staging,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers with WebCrypto Ed25519 (Chromium 137, Firefox 129, Safari 17).
  target: ['chrome137', 'firefox129', 'safari17'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
await build({ entryPoints: { app: join(source, 'console.css') }, outdir: staging, bundle: true, minify: true, logLevel: 'warning' });
copyFileSync(join(source, 'index.html'), join(staging, 'index.html'));
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
