import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, ROOT } from './deploy-files.js';

const runbook = readRepoFile('docs/operations/deployment-runbook.md');

/** The text of a runbook section: from its heading to the next heading of the same or a higher level. */
function section(heading: RegExp): string {
  const lines = runbook.split('\n');
  let fenced = false;
  // Heading level of each line outside code fences (a `# comment` in a bash block is not a heading), else 0.
  const levels = lines.map((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && /^#+ /.test(line) ? /^#+/.exec(line)![0].length : 0;
  });
  const start = lines.findIndex((line, i) => levels[i]! > 0 && heading.test(line));
  if (start < 0) throw new Error(`no runbook heading ${heading}`);
  const end = levels.findIndex((level, i) => i > start && level > 0 && level <= levels[start]!);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** `make -n TARGET`: what it would run, without running it. */
const dryRun = (target: string) => spawnSync('make', ['-n', target], { cwd: ROOT, encoding: 'utf8' });

/** The targets the runbook's Appendix C lists (`make TARGET`). */
const appendixTargets = [...section(/^## Appendix C\b/).matchAll(/`make ([a-z-]+)`/g)].map((m) => m[1]!);

describe('Makefile', () => {
  it('the runbook Appendix C lists the seed runbook targets', () => {
    expect(appendixTargets).toEqual(expect.arrayContaining(['dev', 'stop', 'test', 'test-integration', 'lint', 'check-imports', 'clean']));
  });

  it.each([...new Set(appendixTargets)])('has the Appendix C target %s (`make -n %s` succeeds)', (target) => {
    const result = dryRun(target);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).not.toBe('');
  });

  it('runs what Appendix C says each target runs', () => {
    const rows = [...section(/^## Appendix C\b/).matchAll(/^\| `make ([a-z-]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(rows.map(([target]) => target).sort()).toEqual([...new Set(appendixTargets)].sort());
    for (const [target, command] of rows) expect(dryRun(target).stdout, target).toContain(command);
  });

  it('lint type-checks the server and the console; check-imports runs dependency-cruiser with the project rules', () => {
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.lint).toContain('npm run typecheck');
    expect(scripts.typecheck).toContain('tsconfig.json');
    expect(scripts.typecheck).toContain('tsconfig.console.json');
    expect(scripts['check-imports']).toMatch(/^depcruise src --config \.dependency-cruiser\.cjs$/);
  });

  it('clean removes build outputs and never ./data', () => {
    const commands = dryRun('clean').stdout;
    expect(commands).toContain('rm -rf dist coverage');
    expect(commands.split('\n').filter((line) => /\brm\b/.test(line) && /\bdata\b/.test(line))).toEqual([]);
  });

  it('CI runs make lint and make check-imports before the tests', () => {
    const ci = readRepoFile('.ci/run');
    const at = (command: string) => ci.search(new RegExp(`^${command}\\b`, 'm'));
    expect(at('make lint')).toBeGreaterThan(0);
    expect(at('make check-imports')).toBeGreaterThan(0);
    expect(at('make lint')).toBeLessThan(at('ARCHON72_REQUIRE_SERVICES=1 npm test'));
    expect(at('make check-imports')).toBeLessThan(at('ARCHON72_REQUIRE_SERVICES=1 npm test'));
  });
});

describe('runbook §5', () => {
  it('names deployment files that exist', () => {
    const text = section(/^## 5\. /);
    const paths = [...new Set([...text.matchAll(/`((?:kubernetes|deploy)\/[\w.-]+|Dockerfile|docker-compose\.yml|\.dockerignore)`/g)].map((m) => m[1]!))];
    expect(paths).toEqual(expect.arrayContaining(['kubernetes/deployment.yaml', 'kubernetes/migration-job.yaml', 'deploy/redis.conf', 'deploy/nginx.conf', 'docker-compose.yml', 'Dockerfile']));
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  it('applies every manifest of kubernetes/ except the secret example, which is created from the secret manager', () => {
    const applied = [...section(/^### 5\.4 /).matchAll(/kubectl apply -f (kubernetes\/[\w.-]+)/g)].map((m) => m[1]!);
    expect(applied.sort()).toEqual(['kubernetes/configmap.yaml', 'kubernetes/deployment.yaml', 'kubernetes/ingress.yaml', 'kubernetes/migration-job.yaml', 'kubernetes/service.yaml']);
  });
});
