import { performance } from 'node:perf_hooks';

const started = performance.now();

/** Prints one progress line to stdout, prefixed with the seconds since the run started. */
export function progress(line: string): void {
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
}

/** Polls `check` every `everyMs` until it holds; resolves with the milliseconds it took, or undefined after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<number | undefined> {
  const t0 = performance.now();
  for (;;) {
    try {
      if (await check()) return performance.now() - t0;
    } catch {
      // not yet
    }
    if (performance.now() - t0 > timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
