import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirectory } from '../fs/sync-directory.js';

/** Options for writeFileAtomic. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0600: cosigner keys and state are private). */
  mode?: number;
  /** Refuse to replace an existing file (link(2) fails with EEXIST, even in a race). Default: replace it. */
  exclusive?: boolean;
}

/**
 * Writes `text` to `path` so that a crash at any moment leaves either the old file or the complete new one: into a
 * temporary file in the same directory (mode set exactly), fsynced, then renamed (or, when exclusive, hard-linked)
 * over `path`, then the directory fsynced so the new name survives a power cut. Throws the file system's error
 * (with `code`, e.g. EEXIST); the temporary file is always removed.
 */
export function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o600;
  const tmp = temporaryPath(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      fchmodSync(fd, mode); // the umask can only narrow the mode; make it exact
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDirectory(dirname(path));
}

/** `<path>.<pid>.<random>.tmp`: temporary files of `path` match `<basename>.*.tmp` (isTemporaryOf). */
function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** True when `name` (a file name in the same directory) is a temporary file writeFileAtomic left for `base`. */
export function isTemporaryOf(name: string, base: string): boolean {
  return name.startsWith(`${base}.`) && name.endsWith('.tmp') && /^\d+\.[0-9a-f]{12}\.tmp$/.test(name.slice(base.length + 1));
}
