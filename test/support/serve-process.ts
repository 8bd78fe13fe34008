import { CLI, startProcess } from './run-cli.js';

// No vitest import here: bench/halt.bench.ts uses this file too.

/** One `archon72 serve` child process. */
export interface ServeProcess {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  process: ReturnType<typeof startProcess>;
  /** Sends `signal` (SIGTERM: clean shutdown) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/archon72.js serve` on 127.0.0.1:`port` with `env` (plus PATH), and resolves once GET /v1/health
 * answers. Throws with the server's output if it exits first or does not answer within `timeoutMs`.
 */
export async function startServe(env: Record<string, string | undefined>, port: number, timeoutMs = 60_000): Promise<ServeProcess> {
  const proc = startProcess(process.execPath, [CLI, 'serve'], { ...env, API_HOST: '127.0.0.1', API_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void proc.exited.then((how) => (exited = how));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`archon72 serve on port ${port} exited (${JSON.stringify(exited)}):\n${proc.out.stdout}\n${proc.out.stderr}`);
    try {
      if ((await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`archon72 serve on port ${port} did not answer within ${timeoutMs} ms:\n${proc.out.stdout}\n${proc.out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    process: proc,
    async stop(signal = 'SIGTERM') {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return proc.exited;
    },
  };
}
