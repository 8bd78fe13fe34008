import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(process.cwd(), 'bin', 'archon72.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`bin/archon72.js`) to completion with `env` added to a clean development environment. */
export function runCli(args: string[], env: Record<string, string | undefined>, cwd?: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts a long-running process and collects its output; `exited` resolves with its exit code and signal. */
export function startProcess(command: string, args: string[], env: Record<string, string | undefined>) {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

/** Polls `check` until it resolves true (errors count as "not yet"); throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the server');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A random unprivileged port for a test server. */
export function randomPort(): string {
  return String(20000 + Math.floor(Math.random() * 20000));
}
