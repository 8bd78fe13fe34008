import { InputError } from '../errors.js';
import { timestampToMillis, toCanonicalTimestamp } from './timestamp.js';

/**
 * Replay protection for agent submissions (docs/PROTOCOL.md §3): a submission's signed `local_timestamp` must lie
 * within `windowMs` milliseconds of the server's clock, on either side, bounds included. A captured request then
 * stops being accepted once the window has passed, and one dated far ahead is never accepted early. (Within the
 * window, the database's UNIQUE event_id refuses a second copy.)
 *
 * `localTimestamp` is a canonical timestamp (parseSubmission checked it); `nowMs` is the server's clock in
 * integer milliseconds since the epoch; `windowMs` is ≥ 0 (the appender checks it at construction). The
 * comparison is exact to the microsecond. Returns nothing when inside; throws InputError
 * INPUT_TIMESTAMP_OUTSIDE_WINDOW otherwise, with `details.localTimestamp`, `details.serverTime` and
 * `details.windowSeconds`. Fails closed: a timestamp or window that does not parse is outside.
 */
export function checkSubmissionWindow(localTimestamp: string, nowMs: number, windowMs: number): void {
  // Whole milliseconds first, then the three sub-millisecond digits: exact while |difference| < 285 years, where a
  // product of epoch microseconds would already have lost precision past 2^53.
  const offsetUs = (timestampToMillis(localTimestamp) - nowMs) * 1000 + Number(localTimestamp.slice(23, 26));
  // "Not within" rather than "beyond", so NaN from an unparsable timestamp or window refuses instead of admitting.
  if (Math.abs(offsetUs) <= windowMs * 1000) return;
  const serverTime = toCanonicalTimestamp(new Date(nowMs));
  const windowSeconds = windowMs / 1000;
  const relation = !Number.isFinite(offsetUs)
    ? 'cannot be compared with'
    : offsetUs < 0
      ? `is ${-offsetUs / 1e6} s behind`
      : `is ${offsetUs / 1e6} s ahead of`;
  throw new InputError({
    code: 'INPUT_TIMESTAMP_OUTSIDE_WINDOW',
    message: `local_timestamp ${localTimestamp} ${relation} the server's time ${serverTime}; submissions are accepted within ±${windowSeconds} s of it (sign again with the current time)`,
    details: { localTimestamp, serverTime, windowSeconds },
  });
}
