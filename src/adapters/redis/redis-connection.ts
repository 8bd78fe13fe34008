import { Redis } from 'ioredis';

/** A command that gets no reply within this long fails, so a frozen server is noticed in well under a second. */
export const COMMAND_TIMEOUT_MS = 500;
/** Reconnection delays double from this... */
const FIRST_RECONNECT_DELAY_MS = 25;
/** ...up to this cap, forever: recovery is automatic and noticed within this long of Redis answering again. */
export const MAX_RECONNECT_DELAY_MS = 500;

/**
 * Opens an ioredis connection that fails fast instead of waiting: nothing is queued while the connection is down
 * (`enableOfflineQueue: false`), a command in flight when the connection drops is rejected at once and never sent
 * again (`maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`: a `clear` the caller saw fail must not
 * be replayed later over a newer raise), and every command times out after COMMAND_TIMEOUT_MS. It reconnects
 * forever with capped backoff. An 'error' listener is attached before anything can fail, and stays: ioredis emits
 * 'error' for every failed connection attempt, and an EventEmitter 'error' without a listener crashes the process.
 */
export function createRedisConnection(url: string, name: string, connectTimeoutMs: number): Redis {
  const client = new Redis(url, {
    connectionName: name,
    connectTimeout: connectTimeoutMs,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // Subscriptions are renewed by our own 'ready' handler, which also covers a first subscribe that failed.
    autoResubscribe: false,
    // CLIENT SETINFO does not exist before Redis 7.2; skipping it saves a failing round trip on every connect.
    disableClientInfo: true,
    retryStrategy: (attempt) => Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS),
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * Ends a connection: QUIT when it answers (bounded by the command timeout), otherwise drops the socket. Either way
 * reconnection stops. Never rejects.
 */
export async function closeRedisConnection(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the server did not answer QUIT in time, so drop the socket instead.
    }
  }
  client.disconnect(false);
}

/**
 * Resolves true once `client` is ready, false as soon as a connection attempt fails (error, close, end) or
 * `timeoutMs` passes. Used at open so that `available` means something on return, without ever throwing.
 */
export function waitForRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ready: boolean) => () => {
      clearTimeout(timer);
      client.off('ready', onReady).off('error', onFailure).off('close', onFailure).off('end', onFailure);
      resolve(ready);
    };
    const onReady = settle(true);
    const onFailure = settle(false);
    const timer = setTimeout(onFailure, timeoutMs);
    client.on('ready', onReady).on('error', onFailure).on('close', onFailure).on('end', onFailure);
  });
}
