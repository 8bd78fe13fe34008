/** Runs one poll at a time: every `pollMs` after the previous one ends, or at once on `pollNow`. */
export interface HaltPollLoop {
  /** Polls as soon as the current poll (if any) ends, instead of waiting for the interval. */
  pollNow(): void;
  /** No poll starts after this; one already running finishes and its result is ignored by the caller. */
  stop(): void;
}

/**
 * Starts polling, the first poll `pollMs` from now. `poll` must not reject (it reports failures itself). Polls
 * never overlap, so a slow Redis gets at most one outstanding poll, and a burst of pollNow() calls while one runs
 * costs a single extra poll.
 */
export function startHaltPollLoop(pollMs: number, poll: () => Promise<void>): HaltPollLoop {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let stopped = false;

  const schedule = (delayMs: number): void => {
    clearTimeout(timer);
    // unref: a forgotten channel must not keep the process alive on its own account.
    timer = setTimeout(run, delayMs).unref();
  };

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = true;
    void poll().finally(() => {
      running = false;
      if (stopped) return;
      schedule(again ? 0 : pollMs);
      again = false;
    });
  };

  schedule(pollMs);
  return {
    pollNow: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
