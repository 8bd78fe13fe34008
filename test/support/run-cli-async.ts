import { spawn } from 'node:child_process';
import { CLI, type CliResult } from './run-cli.js';

/**
 * Runs the built CLI (`bin/archon72.js`) like runCli, but without blocking this process's event loop: for tests
 * whose own servers (a fake model provider) the CLI talks to. Resolves once the process has exited and its output
 * is fully read; kills it (SIGKILL) after `timeoutMs`.
 */
export function runCliAsync(args: string[], env: Record<string, string | undefined>, timeoutMs = 180_000): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close', not 'exit': it comes after the output streams have ended.
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}
