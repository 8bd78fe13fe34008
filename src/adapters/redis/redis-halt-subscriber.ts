import type { Redis } from 'ioredis';

/** The subscription connection's handle. */
export interface RedisHaltSubscriber {
  /** Resolves when the current subscription attempt has ended (subscribed or failed); never rejects. */
  settled(): Promise<void>;
}

/**
 * Subscribes `client` (a connection used for nothing else: in RESP2 a subscribed connection cannot run commands)
 * to `channels` on every 'ready', the first connect and each reconnect alike, and passes every message on. Messages
 * published while the connection was down are lost; `onSubscribed` fires after each successful subscribe so the
 * caller can re-read the keys and catch up.
 */
export function startRedisHaltSubscriber(
  client: Redis,
  channels: string[],
  onMessage: (channel: string, message: string) => void,
  onSubscribed: () => void,
): RedisHaltSubscriber {
  let attempt: Promise<void> = Promise.resolve();
  const subscribe = (): void => {
    attempt = client.subscribe(...channels).then(onSubscribed, () => {
      // The connection dropped mid-subscribe: the next 'ready' subscribes again, and polling covers the gap.
    });
  };
  client.on('message', onMessage);
  client.on('ready', subscribe);
  if (client.status === 'ready') subscribe();
  return { settled: () => attempt };
}
