/** Undo steps (drop database, remove temp dirs, close stacks and workers), run in reverse order. */
export class Scope {
  private readonly undos: Array<() => Promise<void> | void> = [];

  defer(undo: () => Promise<void> | void): void {
    this.undos.push(undo);
  }

  /** Runs every deferred step, newest first; a failing step is reported and the others still run. */
  async close(): Promise<void> {
    for (let undo = this.undos.pop(); undo; undo = this.undos.pop()) {
      try {
        await undo();
      } catch (err) {
        process.stderr.write(`cleanup step failed: ${(err as Error).message}\n`);
      }
    }
  }
}

/** Scopes open right now; Ctrl-C closes them, so an interrupted run leaves no database or temp dir behind. */
const openScopes = new Set<Scope>();
let interrupted = false;

/** Runs `body` with a scope whose deferred steps run when it ends, however it ends (Ctrl-C included). */
export async function scoped<T>(body: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  openScopes.add(scope);
  try {
    return await body(scope);
  } finally {
    openScopes.delete(scope);
    await scope.close();
  }
}

/** True once SIGINT/SIGTERM arrived: failures after that are the teardown's doing, not the benchmark's. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** On SIGINT/SIGTERM closes every open scope, then exits 130. */
export function closeScopesOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up…\n`);
      void Promise.allSettled([...openScopes].map((scope) => scope.close())).then(() => process.exit(130));
    });
  }
}
