// Preloaded into one `archon72 serve` process by the clock-skew scenario (NODE_OPTIONS=--import=<this file>): shifts
// the process's wall clock (Date, Date.now) by EVIDENCE_CLOCK_SKEW_MS milliseconds, as a host whose clock is off.
// performance.now() and timers are left alone: only the time of day is wrong, as with a drifting system clock.
const offset = Number(process.env.EVIDENCE_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }
  static now() {
    return RealDate.now() + offset;
  }
}
globalThis.Date = SkewedDate;
