import { createHash, timingSafeEqual } from 'node:crypto';
import { HaltError } from '../domain/errors.js';

/**
 * Checks an `Authorization: Bearer <token>` header against the SHA-256 of the configured ADMIN_TOKEN. Both sides
 * are hashed to 32 bytes and compared in constant time, so neither the token's content nor its length leaks
 * through timing. Throws HaltError HALT_UNAUTHORIZED (401) when the header is missing or wrong, or when no admin
 * token is configured.
 */
export function requireAdminToken(header: string | undefined, expectedSha256: Uint8Array | undefined): void {
  if (expectedSha256 === undefined) {
    throw new HaltError({ code: 'HALT_UNAUTHORIZED', message: 'admin endpoints are disabled: ADMIN_TOKEN (or ADMIN_TOKEN_SHA256) is not configured' });
  }
  const match = /^Bearer ([^\s]+)$/.exec(header ?? '');
  if (match === null) throw new HaltError({ code: 'HALT_UNAUTHORIZED', message: 'missing Authorization: Bearer <ADMIN_TOKEN>' });
  const presented = createHash('sha256').update(match[1] as string, 'utf8').digest();
  if (!timingSafeEqual(presented, expectedSha256)) throw new HaltError({ code: 'HALT_UNAUTHORIZED', message: 'the admin token is not valid' });
}
