import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONFIG_DEFAULTS, DevModeEnvironmentMismatchError, parseConfig, requireServeCheckpointing } from '../../src/app/config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { dockerStages, envOf, parseDockerfile, readRepoFile, ROOT, validCosigners, type DockerStage } from './deploy-files.js';

const stages = dockerStages(parseDockerfile(readRepoFile('Dockerfile')));
const runtime = stages.at(-1) as DockerStage;
const of = (stage: DockerStage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
/** The runtime image's environment: every ENV of its last stage. */
const imageEnv: Record<string, string> = Object.assign({}, ...of(runtime, 'ENV').map(envOf));
/** The HEALTHCHECK's command, from its exec form: CMD ["node", "-e", "…"]. */
const healthcheck = (() => {
  const [instruction] = of(runtime, 'HEALTHCHECK');
  const exec = /CMD\s+(\[.*\])$/.exec(instruction?.args ?? '')?.[1];
  return exec === undefined ? undefined : (JSON.parse(exec) as string[]);
})();

describe('Dockerfile', () => {
  it('is multi-stage, every stage on a Node 20 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:20(\.[\d.]+)?(-[a-z]+)*-slim$/);
  });

  it('copies only from stages it defines', () => {
    const names = new Set(stages.map((s) => s.name));
    const froms = stages.flatMap((s) => of(s, 'COPY')).flatMap((i) => /--from=(\S+)/.exec(i.args)?.[1] ?? []);
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(names.has(from), from).toBe(true);
  });

  it('installs production dependencies with npm ci --omit=dev in a stage with the native toolchain, not in the runtime', () => {
    const prodDeps = stages.find((s) => of(s, 'RUN').some((i) => i.args.includes('npm ci --omit=dev')));
    expect(prodDeps, 'a stage running npm ci --omit=dev').toBeDefined();
    expect(of(prodDeps!, 'RUN').some((i) => /apt-get install .*\bg\+\+/.test(i.args) && /\bpython3\b/.test(i.args) && /\bmake\b/.test(i.args))).toBe(true);
    expect(of(prodDeps!, 'RUN').some((i) => /npm rebuild pkcs11js/.test(i.args))).toBe(true);
    expect(runtime).not.toBe(prodDeps);
    expect(of(runtime, 'RUN').some((i) => /apt-get|npm (ci|install)/.test(i.args))).toBe(false);
    expect(of(runtime, 'COPY').some((i) => i.args.includes(`--from=${prodDeps!.name}`) && i.args.includes('node_modules'))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = of(runtime, 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
  });

  it('serves with production defaults, listening on every interface at the default API_PORT', () => {
    expect(imageEnv).toMatchObject({ ENVIRONMENT: 'production', DEV_MODE: 'false', API_HOST: '0.0.0.0', API_PORT: String(CONFIG_DEFAULTS.apiPort) });
    expect(of(runtime, 'EXPOSE').map((i) => i.args)).toContain(String(CONFIG_DEFAULTS.apiPort));
    const config = parseConfig(imageEnv);
    expect(config).toMatchObject({ environment: 'production', isDevelopmentEnvironment: false, devMode: false, apiHost: '0.0.0.0', apiPort: CONFIG_DEFAULTS.apiPort });
  });

  it('refuses dev mode by itself: DEV_MODE=true alone stops the configuration step', () => {
    expect(() => parseConfig({ ...imageEnv, DEV_MODE: 'true' })).toThrow(DevModeEnvironmentMismatchError);
  });

  it('refuses to serve on its defaults alone (no checkpoint origin, no cosigners, no PostgreSQL) but accepts a complete production environment', () => {
    expect(() => requireServeCheckpointing(parseConfig(imageEnv))).toThrow(ConfigError);
    const complete = { ...imageEnv, CHECKPOINT_ORIGIN: 'log.example.org/archon72', CHECKPOINT_COSIGNERS: validCosigners(2), DATABASE_URL: 'postgresql://archon72_app@db-host/archon72' };
    expect(() => requireServeCheckpointing(parseConfig({ ...complete, DATABASE_URL: '' }))).toThrow(ConfigError);
    expect(requireServeCheckpointing(parseConfig(complete)).cosigners).toHaveLength(2);
  });

  it('ships what `serve` reads at run time: dependencies, the built CLI and console, migrations, the Conclave roster', () => {
    const shipped = of(runtime, 'COPY').flatMap((i) => {
      const { sources, destination } = copyArgs(i.args);
      return destination === '.' ? sources.map((source) => source.split('/').at(-1)) : [destination];
    });
    expect(shipped).toEqual(expect.arrayContaining(['node_modules', 'dist', 'bin', 'migrations', 'data/conclave', 'package.json']));
    expect(of(runtime, 'ENTRYPOINT').map((i) => i.args)).toEqual(['["node", "bin/archon72.js"]']);
    expect(of(runtime, 'CMD').map((i) => i.args)).toEqual(['["serve"]']);
  });

  it('copies from the build context only files that .dockerignore lets in, and keeps secrets and local data out', () => {
    const rules = dockerignoreRules(readRepoFile('.dockerignore'));
    const contextSources = stages.flatMap((s) => of(s, 'COPY')).filter((i) => !i.args.includes('--from=')).flatMap((i) => copyArgs(i.args).sources);
    expect(contextSources.length).toBeGreaterThan(0);
    for (const source of contextSources) {
      const files = filesUnder(source);
      expect(files.length, `${source} exists`).toBeGreaterThan(0);
      for (const file of files) expect(ignoredBy(rules, file), `${file} (COPY ${source}) is excluded by .dockerignore`).toBe(false);
    }
    for (const kept of ['.env', '.env.production', 'data/pglite/PG_VERSION', 'data/keys/dev-1.json', 'node_modules/pg/package.json', 'dist/src/main.js', '.git/HEAD']) {
      expect(ignoredBy(rules, kept), kept).toBe(true);
    }
  });

  describe('HEALTHCHECK', () => {
    let server: Server;
    let port: number;
    const paths: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.statusCode = req.url === '/v1/health' ? 200 : 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    // Asynchronously: the server answering the check runs in this process.
    const run = (env: Record<string, string>) =>
      new Promise<number | null>((resolve, reject) => {
        const [command = '', ...args] = healthcheck ?? [];
        spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore', timeout: 10_000 }).on('error', reject).on('exit', resolve);
      });

    it('requests GET /v1/health with node (the slim image has no curl)', () => {
      expect(healthcheck?.[0]).toBe('node');
      expect(healthcheck?.join(' ')).toContain('/v1/health');
      expect(healthcheck?.join(' ')).not.toMatch(/\bcurl\b|\bwget\b/);
    });

    it('exits 0 when /v1/health answers 200 on API_PORT', async () => {
      expect(await run({ API_PORT: String(port) })).toBe(0);
      expect(paths).toContain('/v1/health');
    });

    it('exits 1 when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const freePort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await run({ API_PORT: String(freePort) })).toBe(1);
    });
  });
});

/** A COPY's sources and destination, flags (--from=, --chown=) left out, paths normalized (no ./, no trailing /). */
function copyArgs(args: string): { sources: string[]; destination: string } {
  const paths = args.split(/\s+/).filter((a) => !a.startsWith('--')).map((p) => normalize(p).replace(/\/$/, '') || '.');
  return { sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

/** Every file at or under a repository path. */
function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length + 1));
}

/** .dockerignore's rules in order: a pattern as a regular expression, and whether it excludes or (with !) re-includes. */
function dockerignoreRules(text: string): { pattern: RegExp; exclude: boolean }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const glob = normalize(exclude ? line : line.slice(1)).replace(/^\/|\/$/g, '');
      const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*');
      return { pattern: new RegExp(`^${source}$`), exclude };
    });
}

/** Docker's rule: the last rule matching the file or one of its parent directories decides. */
function ignoredBy(rules: { pattern: RegExp; exclude: boolean }[], file: string): boolean {
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (candidates.some((c) => rule.pattern.test(c))) ignored = rule.exclude;
  return ignored;
}
