import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * fsyncs a directory so a name just created or renamed in it survives a crash. Never throws: some platforms cannot
 * open or fsync a directory, which only weakens durability.
 */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}
