import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** How an attempt to take a lock file ended. */
export type PidLock =
  | { kind: 'acquired'; /** Removes the lock file; idempotent. */ release: () => void }
  | { kind: 'held'; pid: number; holder: string | undefined }
  /** Other processes kept taking it over between our attempts. */
  | { kind: 'contended' };

/**
 * A lock file created with O_EXCL holding the owner's pid and a line naming it; one left by a dead process is taken
 * over. For resources one process may use at a time (the embedded database's directory, a cosigner's state file).
 * Throws the file system's error when the file cannot be created for another reason than its existence (the
 * caller wraps it in its own typed error).
 */
export function takePidLock(path: string, holder: string): PidLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n${holder}\n`);
      closeSync(fd);
      let released = false;
      return {
        kind: 'acquired',
        release: () => {
          if (!released) rmSync(path, { force: true });
          released = true;
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pidText, owner] = readFileSync(path, 'utf8').split('\n');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) return { kind: 'held', pid, holder: owner || undefined };
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  return { kind: 'contended' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
