import type { BatchResult } from './line-batch.js';

/**
 * Puts batch results, which arrive in any order, back in line order and hands them to `consume` one by one,
 * stopping after the first one with a fault, or for which `consume` returns true (it found a fault itself, e.g. a
 * checkpoint whose root differs). Since a batch's fault is its lowest faulty line and batch ids follow the lines,
 * the first fault consumed is the export's lowest: a later batch that failed first never hides an earlier one, and
 * nothing after the first fault is consumed.
 */
export class ResultOrder {
  private readonly waiting = new Map<number, BatchResult>();
  private next = 0;
  private lowestFaulty: number | undefined;
  private finished = false;

  constructor(private readonly consume: (result: BatchResult) => boolean | void) {}

  /** Records a result and consumes every result now due. */
  add(result: BatchResult): void {
    if (result.fault !== undefined && (this.lowestFaulty === undefined || result.id < this.lowestFaulty)) this.lowestFaulty = result.id;
    if (this.finished || result.id < this.next) return;
    this.waiting.set(result.id, result);
    for (let due = this.waiting.get(this.next); due !== undefined && !this.finished; due = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.next += 1;
      if (this.consume(due) === true || due.fault !== undefined) this.finished = true;
    }
  }

  /**
   * Whether batch `id` can still matter: false once a batch before it is known to fail (its result may not have been
   * consumed yet: earlier batches are still running). Stop reading and dispatching when this turns false.
   */
  wants(id: number): boolean {
    return !this.finished && (this.lowestFaulty === undefined || id < this.lowestFaulty);
  }

  /** True once a fault was consumed: nothing after it will be. */
  get done(): boolean {
    return this.finished;
  }

  /** Batches consumed so far (all batches before `consumed` passed, unless done). */
  get consumed(): number {
    return this.next;
  }
}
