import { ConfigError } from '../../domain/errors.js';

/**
 * The URL as it may appear in errors and logs: the password removed, and the query string dropped (some clients
 * accept credentials there too). A URL that does not parse is not echoed at all, since we cannot tell what is secret.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable Redis URL)';
  }
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}

/** Throws ConfigError CONFIG_INVALID unless `url` is a redis:// or rediss:// URL. */
export function assertRedisUrl(url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      message: `halt channel: ${redactRedisUrl(url)} is not a redis:// or rediss:// URL`,
    });
  }
}
