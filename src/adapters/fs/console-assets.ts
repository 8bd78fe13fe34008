import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StaticAsset } from '../../app/ports.js';

/** Where `npm run build` (scripts/build-console.ts) writes the console, found from src/ and from dist/src/. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../' + (import.meta.url.includes('/dist/src/') ? '../' : '') + 'dist/console/', import.meta.url));

/** The built files and where they are served. The page loads the script and style sheet by these paths. */
const FILES: ReadonlyArray<{ file: string; path: string; contentType: string }> = [
  { file: 'index.html', path: '/', contentType: 'text/html; charset=utf-8' },
  { file: 'app.js', path: '/console/app.js', contentType: 'text/javascript; charset=utf-8' },
  { file: 'app.css', path: '/console/app.css', contentType: 'text/css; charset=utf-8' },
  { file: 'app.js.map', path: '/console/app.js.map', contentType: 'application/json; charset=utf-8' },
];

/**
 * Reads the built console into memory, or returns undefined when it was not built (`dist/console/index.html`
 * missing): the API serves without it and the caller says so in the log. A build missing any other file is
 * refused, so a half-written build never serves a page whose script 404s.
 */
export function loadConsoleAssets(dir: string = CONSOLE_DIR): StaticAsset[] | undefined {
  if (!existsSync(`${dir}/index.html`)) return undefined;
  return FILES.map(({ file, path, contentType }) => {
    const body = readConsoleFile(dir, file);
    return { path, contentType, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  });
}

function readConsoleFile(dir: string, file: string): Buffer {
  try {
    return readFileSync(`${dir}/${file}`);
  } catch (err) {
    throw new Error(`the observer console build in ${dir} is incomplete (${file}: ${(err as NodeJS.ErrnoException).code}); run npm run build`);
  }
}
