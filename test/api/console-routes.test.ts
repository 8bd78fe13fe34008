import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { loadConsoleAssets } from '../../src/adapters/fs/console-assets.js';
import { CONSOLE_CSP } from '../../src/api/routes/console/console-routes.js';
import type { EventAppender } from '../../src/app/event-appender.js';

const FILES = { 'index.html': '<!doctype html><title>x</title>', 'app.js': 'console.log(1)', 'app.css': 'body{}', 'app.js.map': '{}' };

function buildDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-console-assets-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('observer console files', () => {
  const dirs: string[] = [];
  let app: FastifyInstance;

  beforeAll(async () => {
    const dir = buildDir(FILES);
    dirs.push(dir);
    const assets = loadConsoleAssets(dir);
    app = buildApp({ appender: {} as EventAppender, hsmMode: 'DEVELOPMENT', pingDatabase: async () => undefined, console: { assets: assets! } }, { logLevel: 'silent' });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / with a Content-Security-Policy that allows only its own script, style and API', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(FILES['index.html']);
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('serves the script and style sheet with their types, and answers 304 to a matching If-None-Match', async () => {
    const script = await app.inject({ method: 'GET', url: '/console/app.js' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe(FILES['app.js']);
    const css = await app.inject({ method: 'GET', url: '/console/app.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const etag = String(script.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etag).not.toBe(css.headers.etag);
    const again = await app.inject({ method: 'GET', url: '/console/app.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await app.inject({ method: 'GET', url: '/console/app.js', headers: { 'if-none-match': '"other"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('serves nothing else under /console', async () => {
    const res = await app.inject({ method: 'GET', url: '/console/../package.json' });
    expect(res.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/console/other.js' })).statusCode).toBe(404);
  });

  it('is absent when the console was not built, and refuses a half-written build naming the missing file', () => {
    const empty = buildDir({});
    const partial = buildDir({ 'index.html': FILES['index.html'] });
    dirs.push(empty, partial);
    expect(loadConsoleAssets(empty)).toBeUndefined();
    expect(() => loadConsoleAssets(partial)).toThrow(/incomplete \(app\.js: ENOENT\); run npm run build/);
  });
});
