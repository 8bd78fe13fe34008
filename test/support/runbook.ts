import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** This implementation's operations runbook. */
export const OUR_RUNBOOK = join(process.cwd(), 'docs', 'operations', 'deployment-runbook.md');

/**
 * The `curl` command lines of one runbook section (`### 6.1 …` up to the next heading of the same or a higher
 * level), as operators would paste them, each without its trailing `# comment`.
 */
export function runbookCurls(heading: string): string[] {
  const text = readFileSync(OUR_RUNBOOK, 'utf8');
  const start = text.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`the runbook has no section "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = text.slice(start + heading.length + 1);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('curl '));
}

/** Runs a runbook command line with bash, pointed at `url` instead of the runbook's hosts; returns stdout. */
export function runAgainst(command: string, url: string): string {
  const pointed = command.replaceAll('http://api-endpoint', url).replaceAll('localhost:8000', url.replace(/^http:\/\//, ''));
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', pointed], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`\`${pointed}\` exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
