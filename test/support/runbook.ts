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
  const lines = readFileSync(OUR_RUNBOOK, 'utf8').split('\n');
  const level = /^#+/.exec(heading)![0].length;
  const start = lines.findIndex((line) => line.startsWith(`${heading} `) || line === heading);
  if (start < 0) throw new Error(`the runbook has no section "${heading}"`);
  const commands: string[] = [];
  let fence: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (fence === undefined && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level) break;
    if (line.startsWith('```')) {
      fence = fence === undefined ? line.slice(3) : undefined;
      continue;
    }
    const command = line.replace(/\s+#.*$/, '').trim();
    if (fence === 'bash' && command.startsWith('curl ')) commands.push(command);
  }
  return commands;
}

/** Runs a runbook command line with bash, pointed at `url` instead of the runbook's hosts; returns stdout. */
export function runAgainst(command: string, url: string): string {
  const pointed = command.replaceAll('http://api-endpoint', url).replaceAll('localhost:8000', url.replace(/^http:\/\//, ''));
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', pointed], { encoding: 'utf8', timeout: 30_000 });
  // `curl … | head -20` under pipefail: when head has read its lines and exits before curl has written the rest,
  // curl fails with 23 (write error). That is the pipeline working as the operator expects, not a failure; what
  // head printed is still checked.
  const cutByReader = result.status === 23 && /\|\s*head\b/.test(pointed);
  if (result.status !== 0 && !cutByReader) throw new Error(`\`${pointed}\` exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
