import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DEFAULTS, parseConfig, requireServeCheckpointing } from '../../src/app/config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { readYaml, readYamlDocuments, ROOT, validCosigners } from './deploy-files.js';

interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}
interface Probe {
  httpGet: { path: string; port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; restartPolicy?: string; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } };
}
interface Manifest<Spec> {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Spec;
}
type Deployment = Manifest<{ replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate }>;
type Job = Manifest<{ template: PodTemplate; backoffLimit?: number }>;
type Service = Manifest<{ selector: Record<string, string>; ports: { name?: string; port: number; targetPort: number | string }[] }>;
type Ingress = Manifest<{ rules: { http: { paths: { path: string; backend: { service: { name: string; port: { name?: string; number?: number } } } }[] } }[] }>;
type KeyValues = { apiVersion: string; kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string> };

const deployment = readYaml<Deployment>('kubernetes/deployment.yaml');
const job = readYaml<Job>('kubernetes/migration-job.yaml');
const service = readYaml<Service>('kubernetes/service.yaml');
const ingress = readYaml<Ingress>('kubernetes/ingress.yaml');
const secret = readYaml<KeyValues>('kubernetes/secret.example.yaml');
const configMap = readYaml<KeyValues>('kubernetes/configmap.yaml');
const api = deployment.spec.template.spec.containers.find((c) => c.name === 'api')!;
const secretKeys = Object.keys({ ...secret.data, ...secret.stringData });
const configKeys = Object.keys(configMap.data ?? {});

/** Variables whose value is a credential or holds one (a URL may carry a password): only ever from a Secret. */
const SECRET_VARIABLE = /(_URL|TOKEN|TOKEN_SHA256|_PIN|PASSWORD|PASSPHRASE|_API_KEY)$/;

/**
 * The environment a container gets: literal values, and secretKeyRef / configMapKeyRef looked up in `secrets` and
 * `config`. An optional reference to an absent key leaves the variable unset, as Kubernetes does.
 */
function resolveEnv(container: Container, secrets: Record<string, string>, config: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const secretRef = variable.valueFrom?.secretKeyRef;
    const configRef = variable.valueFrom?.configMapKeyRef;
    const value = variable.value ?? (secretRef ? secrets[secretRef.key] : configRef ? config[configRef.key] : undefined);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** The runbook's §5.3 probe settings (the seed runbook's manifest). */
const RUNBOOK_PROBES = {
  livenessProbe: { path: '/v1/health', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  readinessProbe: { path: '/v1/ready', initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
} as const;

describe('kubernetes/', () => {
  it('holds only manifests that parse, each with an apiVersion, a kind and a name', () => {
    const files = readdirSync(join(ROOT, 'kubernetes')).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['configmap.yaml', 'deployment.yaml', 'ingress.yaml', 'migration-job.yaml', 'secret.example.yaml', 'service.yaml']);
    for (const file of files) {
      for (const doc of readYamlDocuments(`kubernetes/${file}`) as Manifest<unknown>[]) {
        expect(doc.apiVersion, file).toEqual(expect.any(String));
        expect(doc.kind, file).toEqual(expect.any(String));
        expect(doc.metadata.name, file).toEqual(expect.any(String));
      }
    }
  });

  describe('deployment.yaml', () => {
    it('is the runbook §5.3 Deployment: archon72-api, 3 replicas, selecting its own pods', () => {
      expect(deployment).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'archon72-api' }, spec: { replicas: 3 } });
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    });

    it("exposes the server's default API_PORT, and sets API_PORT to it", () => {
      expect(api.ports?.map((p) => p.containerPort)).toEqual([CONFIG_DEFAULTS.apiPort]);
      expect(api.env?.find((v) => v.name === 'API_PORT')?.value).toBe(String(CONFIG_DEFAULTS.apiPort));
    });

    it.each(Object.entries(RUNBOOK_PROBES))('%s: the runbook path and timings, on API_PORT', (probe, expected) => {
      const { path, ...timings } = expected;
      const actual = api[probe as keyof typeof RUNBOOK_PROBES]!;
      expect(actual.httpGet).toEqual({ path, port: CONFIG_DEFAULTS.apiPort });
      expect(actual).toMatchObject(timings);
    });

    it('holds liveness off while startup (pre-operational verification) runs, with a startup probe on /v1/health', () => {
      expect(api.startupProbe?.httpGet).toEqual({ path: '/v1/health', port: CONFIG_DEFAULTS.apiPort });
      expect((api.startupProbe!.periodSeconds ?? 10) * (api.startupProbe!.failureThreshold ?? 3)).toBeGreaterThanOrEqual(300);
    });

    it('requests and limits CPU and memory (runbook: 2 CPU / 4Gi requested, 4 CPU / 8Gi limit)', () => {
      expect(api.resources).toEqual({ requests: { memory: '4Gi', cpu: '2' }, limits: { memory: '8Gi', cpu: '4' } });
    });

    it('runs as a non-root user without privilege escalation', () => {
      expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(deployment.spec.template.spec.securityContext?.runAsUser).not.toBe(0);
      expect(api.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    });

    it('sets production mode literally: DEV_MODE=false, ENVIRONMENT=production', () => {
      const literal = Object.fromEntries((api.env ?? []).filter((v) => v.value !== undefined).map((v) => [v.name, v.value]));
      expect(literal).toMatchObject({ DEV_MODE: 'false', ENVIRONMENT: 'production', API_HOST: '0.0.0.0' });
    });
  });

  describe.each([
    ['deployment.yaml', api],
    ['migration-job.yaml', job.spec.template.spec.containers[0]!],
  ])('%s environment', (_file, container) => {
    it('takes every credential by secretKeyRef from archon72-secrets, never as a literal', () => {
      const credentials = (container.env ?? []).filter((v) => SECRET_VARIABLE.test(v.name));
      expect(credentials.map((v) => v.name)).toContain('DATABASE_URL');
      for (const variable of credentials) {
        expect(variable.value, variable.name).toBeUndefined();
        expect(variable.valueFrom?.secretKeyRef?.name, variable.name).toBe('archon72-secrets');
      }
    });

    it('refers only to keys that secret.example.yaml and configmap.yaml define', () => {
      for (const variable of container.env ?? []) {
        const secretRef = variable.valueFrom?.secretKeyRef;
        const configRef = variable.valueFrom?.configMapKeyRef;
        expect(variable.value !== undefined || secretRef !== undefined || configRef !== undefined, variable.name).toBe(true);
        if (secretRef) expect(secretKeys, variable.name).toContain(secretRef.key);
        if (configRef) {
          expect(configRef.name).toBe(configMap.metadata.name);
          expect(configKeys, variable.name).toContain(configRef.key);
        }
      }
    });
  });

  describe('the environment the pods get', () => {
    const filled = {
      secrets: {
        'database-url': 'postgresql://archon72_app:pw@db-host:5432/archon72?sslmode=require',
        'database-owner-url': 'postgresql://postgres:pw@db-host:5432/archon72?sslmode=require',
        'redis-url': 'redis://redis-host:6379',
        'hsm-pin': '123456',
      },
      config: {
        'hsm-pkcs11-library': '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so',
        'hsm-token-label': 'archon72',
        'checkpoint-origin': 'log.example.org/archon72',
        'checkpoint-cosigners': validCosigners(2),
        'trusted-proxies': '10.0.0.0/8',
      },
    };

    it('is a production configuration `serve` accepts once the secret and the ConfigMap are filled in', () => {
      const config = parseConfig(resolveEnv(api, filled.secrets, filled.config));
      expect(config).toMatchObject({ devMode: false, isDevelopmentEnvironment: false, apiHost: '0.0.0.0', apiPort: CONFIG_DEFAULTS.apiPort, trustedProxies: ['10.0.0.0/8'] });
      expect(config.hsm).toMatchObject({ libraryPath: filled.config['hsm-pkcs11-library'], tokenLabel: 'archon72', pin: '123456' });
      expect(config.adminTokenSha256).toBeUndefined();
      expect(requireServeCheckpointing(config).cosigners).toHaveLength(2);
    });

    // HSM_PIN, HSM_PKCS11_LIBRARY and HSM_TOKEN_LABEL placeholders are refused later, when key custody opens
    // (HSMNotConfiguredError: the module does not load); every other one at the configuration step.
    const example = { ...secret.data, ...secret.stringData, ...configMap.data };
    const checkedAtConfiguration = ['database-url', 'database-read-url', 'redis-url', 'admin-token-sha256', 'checkpoint-origin', 'checkpoint-cosigners', 'trusted-proxies'];
    it.each(checkedAtConfiguration)('fails closed on the example placeholder of %s: the configuration step stops', (key) => {
      expect(Object.keys(example)).toContain(key);
      const secrets: Record<string, string> = { ...filled.secrets };
      const config: Record<string, string> = { ...filled.config };
      if (key in config || configKeys.includes(key)) config[key] = example[key]!;
      else secrets[key] = example[key]!;
      expect(() => parseConfig(resolveEnv(api, secrets, config))).toThrow(ConfigError);
    });
  });

  describe('migration-job.yaml', () => {
    const migrate = job.spec.template.spec.containers[0]!;

    it('runs `archon72 migrate` once, with the deployment image, as the database owner', () => {
      expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
      expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
      expect(migrate.args).toEqual(['migrate']);
      expect(migrate.image).toBe(api.image);
      expect(migrate.env?.find((v) => v.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.key).toBe('database-owner-url');
      expect(migrate.resources?.limits).toBeDefined();
    });

    it("is not selected by the api Service (its pods never receive the API's traffic)", () => {
      const labels = job.spec.template.metadata.labels;
      expect(Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v)).toBe(false);
    });
  });

  describe('service.yaml and ingress.yaml', () => {
    it('route to the api container port through the Service', () => {
      expect(service).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'archon72-api' } });
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      const [port] = service.spec.ports;
      const target = api.ports?.find((p) => p.name === port?.targetPort || p.containerPort === port?.targetPort);
      expect(target?.containerPort).toBe(CONFIG_DEFAULTS.apiPort);
      expect(ingress).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' });
      for (const rule of ingress.spec.rules) {
        for (const path of rule.http.paths) {
          expect(path.backend.service.name).toBe(service.metadata.name);
          const servicePort = service.spec.ports.find((p) => p.name === path.backend.service.port.name || p.port === path.backend.service.port.number);
          expect(servicePort, path.path).toBeDefined();
        }
      }
    });
  });
});
