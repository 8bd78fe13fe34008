import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DEFAULTS, parseConfig, requireServeCheckpointing } from '../../src/app/config.js';
import { dockerStages, interpolateUnset, parseDockerfile, readRepoFile, readYaml, ROOT } from './deploy-files.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  restart?: string;
  container_name?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<ComposeFile>('docker-compose.yml');
const services = compose.services;
const api = services.api!;
/** A service's environment as the container sees it with nothing set on the host (every ${VAR:-default} at its default). */
const environmentOf = (service: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolateUnset(String(value ?? ''))]));
const conditionOn = (service: ComposeService, dependency: string) => (Array.isArray(service.depends_on) ? undefined : service.depends_on?.[dependency]?.condition);
/** The host-side source of a bind mount whose container path is `target` ("./deploy/x:/etc/x:ro"). */
const mountSource = (service: ComposeService, target: string) => service.volumes?.map((v) => v.split(':')).find(([, t]) => t === target)?.[0];

/** Redis settings from a redis.conf text and the command's `--name value` arguments. */
function redisSettings(conf: string, args: string[]): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of conf.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ...value] = line.split(/\s+/);
    settings.set(name.toLowerCase(), value.join(' '));
  }
  args.forEach((arg, i) => {
    if (arg.startsWith('--')) settings.set(arg.slice(2).toLowerCase(), args[i + 1] ?? '');
  });
  return settings;
}

describe('docker-compose.yml', () => {
  it('runs the api, PostgreSQL 16, Redis 7, a one-shot migration and a load balancer', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'lb', 'migrate', 'postgres', 'redis']);
    expect(services.postgres!.image).toMatch(/^postgres:16([.-]|$)/);
    expect(services.redis!.image).toMatch(/^redis:7([.-]|$)/);
  });

  describe('api', () => {
    it('publishes no host port and has no fixed container name, so `--scale api=5` works', () => {
      expect(api.ports).toBeUndefined();
      expect(api.container_name).toBeUndefined();
      expect((api.expose ?? []).map(String)).toContain(String(CONFIG_DEFAULTS.apiPort));
    });

    it('is built from the Dockerfile and serves without --migrate', () => {
      expect(api.build).toBe('.');
      expect(api.command).toEqual(['serve']);
    });

    it('starts only after the one-shot migration completed successfully, and after PostgreSQL and Redis are healthy', () => {
      expect(conditionOn(api, 'migrate')).toBe('service_completed_successfully');
      expect(conditionOn(api, 'postgres')).toBe('service_healthy');
      expect(conditionOn(api, 'redis')).toBe('service_healthy');
    });

    it('listens on every interface at the default API_PORT and uses the Compose PostgreSQL and Redis', () => {
      const env = environmentOf(api);
      expect(env).toMatchObject({ API_HOST: '0.0.0.0', API_PORT: String(CONFIG_DEFAULTS.apiPort) });
      expect(new URL(env.DATABASE_URL!).host).toBe('postgres:5432');
      expect(new URL(env.REDIS_URL!).host).toBe('redis:6379');
    });

    it('runs in a mode the server accepts: development keys in a development environment, and serves with it', () => {
      const config = parseConfig(environmentOf(api));
      expect(config).toMatchObject({ devMode: true, isDevelopmentEnvironment: true, apiHost: '0.0.0.0', apiPort: CONFIG_DEFAULTS.apiPort });
      expect(() => requireServeCheckpointing(config)).not.toThrow();
      expect(config.databaseUrl).toBeDefined();
      expect(config.redisUrl).toBeDefined();
    });

    it('shares its data directory (the development keys) with every replica and with the migrate service', () => {
      const dataDir = environmentOf(api).ARCHON72_DATA_DIR!;
      const volume = mountSource(api, dataDir);
      expect(volume).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(volume);
      expect(mountSource(services.migrate!, environmentOf(services.migrate!).ARCHON72_DATA_DIR!)).toBe(volume);
    });

    it('checks its health with the same command as the image', () => {
      const runtime = dockerStages(parseDockerfile(readRepoFile('Dockerfile'))).at(-1)!;
      const imageCheck = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args;
      const exec = JSON.parse(/CMD\s+(\[.*\])$/.exec(imageCheck)![1]!) as string[];
      expect(api.healthcheck?.test).toEqual(['CMD', ...exec]);
    });
  });

  describe('migrate', () => {
    const migrate = services.migrate!;

    it('is a one-shot of the same image, with the same environment as the api', () => {
      expect(migrate.image).toBe(api.image);
      expect(migrate.restart).toBe('no');
      expect(migrate.ports).toBeUndefined();
      expect(environmentOf(migrate)).toEqual(environmentOf(api));
    });

    it('runs deploy/compose-init.sh, which applies the migrations and stops at the first failure', () => {
      const entrypoint = Array.isArray(migrate.entrypoint) ? migrate.entrypoint : [migrate.entrypoint ?? ''];
      const script = entrypoint.at(-1)!;
      const source = mountSource(migrate, script);
      expect(source).toBe('./deploy/compose-init.sh');
      const text = readRepoFile('deploy/compose-init.sh');
      expect(text).toMatch(/^set -eu$/m);
      expect(text).toMatch(/^archon72 migrate$/m);
      expect(text).toMatch(/archon72\(\) \{ node \/app\/bin\/archon72\.js "\$@"; \}/);
    });
  });

  describe('redis', () => {
    it('persists with the runbook settings: appendonly yes, appendfsync everysec, from deploy/redis.conf', () => {
      const redis = services.redis!;
      const command = Array.isArray(redis.command) ? redis.command : (redis.command ?? '').split(/\s+/);
      const confPath = command.find((arg) => arg.endsWith('.conf'));
      const source = confPath === undefined ? undefined : mountSource(redis, confPath);
      expect(source).toBe('./deploy/redis.conf');
      const settings = redisSettings(readRepoFile('deploy/redis.conf'), command);
      expect(settings.get('appendonly')).toBe('yes');
      expect(settings.get('appendfsync')).toBe('everysec');
      // The halt flag must never be evicted.
      expect(settings.get('maxmemory-policy')).toBe('noeviction');
    });
  });

  describe('lb', () => {
    const lb = services.lb!;
    const nginx = readRepoFile('deploy/nginx.conf');

    it('publishes host port 8000, so the runbook curl http://localhost:8000/v1/health reaches an api replica', () => {
      expect((lb.ports ?? []).map((p) => interpolateUnset(String(p)))).toEqual([`${CONFIG_DEFAULTS.apiPort}:${CONFIG_DEFAULTS.apiPort}`]);
      expect(nginx).toMatch(new RegExp(`^\\s*listen ${CONFIG_DEFAULTS.apiPort};`, 'm'));
      expect(mountSource(lb, '/etc/nginx/nginx.conf')).toBe('./deploy/nginx.conf');
      expect(conditionOn(lb, 'api')).toBe('service_healthy');
    });

    it("re-resolves `api` through Docker's DNS at request time, so replicas added by --scale get traffic", () => {
      expect(nginx).toMatch(/^\s*resolver 127\.0\.0\.11\b/m);
      const upstream = /set \$(\w+) (http:\/\/api:(\d+));/.exec(nginx);
      expect(upstream?.[3]).toBe(String(CONFIG_DEFAULTS.apiPort));
      expect(nginx).toContain(`proxy_pass $${upstream?.[1]};`);
      expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    });
  });

  it('mounts only files that exist in the repository', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), source).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), source).toContain(source);
      }
    }
  });
});
