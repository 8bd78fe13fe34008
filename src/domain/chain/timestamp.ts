/**
 * Protocol timestamps: UTC, RFC 3339, always six fractional digits and a `Z`
 * (`2026-11-27T19:28:57.123456Z`). One spelling per instant, so the text that was signed and hashed is
 * the text PostgreSQL gives back (timestamptz has microsecond precision), and canonical timestamps
 * compare correctly as strings.
 */

import { InputError } from '../errors.js';

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

/** True when `text` is a canonical protocol timestamp naming a real calendar instant (years 0001–9999). */
export function isCanonicalTimestamp(text: string): boolean {
  const m = CANONICAL.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 ? (leap ? 29 : 28) : daysInMonth;
  return day >= 1 && day <= maxDay;
}

/**
 * Canonical timestamp for a JavaScript Date (millisecond precision, so the last three digits are 000).
 * Throws InputError INPUT_FIELD_INVALID for an invalid Date or a year outside 0001–9999.
 */
export function toCanonicalTimestamp(date: Date): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'timestamp must be a valid date in the years 0001–9999' });
  }
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/** Milliseconds since the epoch for a canonical timestamp (sub-millisecond digits dropped). */
export function timestampToMillis(text: string): number {
  return Date.parse(`${text.slice(0, 23)}Z`);
}

/**
 * Microseconds from `originMs` (milliseconds since the epoch) to the canonical timestamp `text`, negative when
 * `text` is earlier: its sub-millisecond digits counted, which timestampToMillis drops. Exact while the distance is
 * under 2^53 µs (285 years); farther ones are far beyond any window it is compared with.
 */
export function microsSince(originMs: number, text: string): number {
  return (timestampToMillis(text) - originMs) * 1000 + Number(text.slice(23, 26));
}
