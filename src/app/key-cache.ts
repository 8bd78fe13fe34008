import { Keyring } from '../domain/signing/keyring.js';
import type { KeyRegistry } from './ports.js';

/**
 * The process's view of the key registry. Keys are append-only history, so a cached keyring is only ever
 * missing keys registered since, or unaware that a key was closed: a miss reloads it, and the database's insert
 * triggers re-check activity at authority time, so a stale cache can delay an event but never admit a bad one.
 */
export class KeyCache {
  private keyring: Keyring | undefined;
  private loading: Promise<Keyring> | undefined;

  constructor(private readonly registry: KeyRegistry) {}

  /** The cached keyring, loading it on first use. */
  async current(): Promise<Keyring> {
    return this.keyring ?? this.reload();
  }

  /** The keyring, reloaded first if it does not know `keyId`. */
  async including(keyId: string): Promise<Keyring> {
    const keyring = await this.current();
    return keyring.get(keyId) === undefined ? this.reload() : keyring;
  }

  /** Reloads from the registry; concurrent callers share one load. */
  reload(): Promise<Keyring> {
    this.loading ??= this.registry
      .listKeys()
      .then((keys) => (this.keyring = new Keyring(keys)))
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
