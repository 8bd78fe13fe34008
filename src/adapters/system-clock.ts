import { toCanonicalTimestamp } from '../domain/chain/timestamp.js';
import type { Clock } from '../app/ports.js';

/** The machine's wall clock as canonical protocol timestamps. */
export const systemClock: Clock = { now: () => toCanonicalTimestamp(new Date()) };
