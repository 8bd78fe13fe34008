import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { createPromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { dockerStages, parseDockerfile, readRepoFile, readYaml } from './deploy-files.js';

interface ProbeContainer {
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
  startupProbe?: { httpGet: { path: string } };
}
const deployment = readYaml<{ spec: { template: { spec: { containers: ProbeContainer[] } } } }>('kubernetes/deployment.yaml');
const compose = readYaml<{ services: Record<string, { healthcheck?: { test: string[] } }> }>('docker-compose.yml');
const dockerHealthcheck = dockerStages(parseDockerfile(readRepoFile('Dockerfile')))
  .at(-1)!
  .instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args;

/** The URL paths a health check command requests (`…/v1/health'` in a node -e script). */
const pathsIn = (command: string) => [...command.matchAll(/['"/](\/v1\/[a-z/]+)['"]/g)].map((m) => m[1]!);

/** Every health probe of the deployment files, named for where it is. */
const probes: [string, string][] = [
  ...deployment.spec.template.spec.containers.flatMap((c) =>
    (['livenessProbe', 'readinessProbe', 'startupProbe'] as const).flatMap((probe): [string, string][] => (c[probe] ? [[`kubernetes/deployment.yaml ${probe}`, c[probe].httpGet.path]] : [])),
  ),
  ...pathsIn(compose.services.api?.healthcheck?.test.join(' ') ?? '').map((path): [string, string] => ['docker-compose.yml api healthcheck', path]),
  ...pathsIn(dockerHealthcheck).map((path): [string, string] => ['Dockerfile HEALTHCHECK', path]),
];

/** The probes' paths are routes of the server, answering 200 on a healthy instance. */
describe('health probes of the deployment files', () => {
  let stack: TestStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await createTestStack();
    app = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => void (await stack.client.query('SELECT 1')),
        metrics: createPromMetrics().registry,
        // As src/main.ts builds it once pre-operational verification passed.
        governance: { verification: 'passed', constitutional: () => Promise.reject(new Error('not probed')) },
      },
      { logLevel: 'silent' },
    );
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it('covers liveness and readiness in Kubernetes, and the container health checks', () => {
    expect(probes.map(([where]) => where)).toEqual(
      expect.arrayContaining(['kubernetes/deployment.yaml livenessProbe', 'kubernetes/deployment.yaml readinessProbe', 'docker-compose.yml api healthcheck', 'Dockerfile HEALTHCHECK']),
    );
  });

  it.each(probes)('%s: GET %s is a server route answering 200', async (_where, path) => {
    expect(app.hasRoute({ method: 'GET', url: path }), path).toBe(true);
    const res = await app.inject({ method: 'GET', url: path });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('readiness answers 503 while the database does not, so Kubernetes takes the pod out of the Service', async () => {
    const down = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: () => Promise.reject(new Error('connection refused')),
        governance: { verification: 'passed', constitutional: () => Promise.reject(new Error('not probed')) },
      },
      { logLevel: 'silent' },
    );
    try {
      const readiness = deployment.spec.template.spec.containers[0]!.readinessProbe!.httpGet.path;
      const liveness = deployment.spec.template.spec.containers[0]!.livenessProbe!.httpGet.path;
      expect((await down.inject({ method: 'GET', url: readiness })).statusCode).toBe(503);
      // Liveness stays 200: a database outage must not restart every pod.
      expect((await down.inject({ method: 'GET', url: liveness })).statusCode).toBe(200);
    } finally {
      await down.close();
    }
  });
});
