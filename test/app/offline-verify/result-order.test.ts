import { describe, expect, it } from 'vitest';
import { ResultOrder } from '../../../src/app/offline-verify/result-order.js';
import type { BatchResult } from '../../../src/app/offline-verify/line-batch.js';
import type { VerificationFault } from '../../../src/app/offline-verify/verification-fault.js';

function result(id: number, fault?: number): BatchResult {
  const f: VerificationFault | undefined =
    fault === undefined ? undefined : { sequence: fault, line: fault, check: 'content_hash', code: 'CHAIN_CONTENT_HASH_MISMATCH', message: `bad ${fault}` };
  return { id, count: 10, size: 100, verified: fault === undefined ? 10 : fault - id * 10 - 1, fault: f, last: undefined, leafHashes: undefined, subtreeRoot: undefined };
}

describe('ResultOrder', () => {
  it('consumes results in batch order whatever order they arrive in', () => {
    const seen: number[] = [];
    const order = new ResultOrder((r) => void seen.push(r.id));
    for (const id of [2, 0, 3, 1]) order.add(result(id));
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(order.consumed).toBe(4);
    expect(order.done).toBe(false);
  });

  describe('when a later batch fails before an earlier one', () => {
    it('reports the lowest failing sequence: the earlier batch’s fault wins', () => {
      const seen: BatchResult[] = [];
      const order = new ResultOrder((r) => void seen.push(r));
      order.add(result(3, 35)); // batch 3 fails first...
      order.add(result(0));
      order.add(result(2, 27)); // ...then batch 2, lower
      expect(order.wants(1)).toBe(true);
      expect(order.wants(2)).toBe(false);
      order.add(result(1));
      expect(seen.map((r) => r.id)).toEqual([0, 1, 2]);
      expect(seen.at(-1)?.fault?.sequence).toBe(27);
      expect(order.done).toBe(true);
    });

    it('stops wanting batches after the lowest known failure, and wants none once it is consumed', () => {
      const order = new ResultOrder(() => undefined);
      order.add(result(5, 55));
      expect(order.wants(4)).toBe(true);
      expect(order.wants(5)).toBe(false);
      expect(order.wants(6)).toBe(false);
      for (const id of [0, 1, 2, 3, 4]) order.add(result(id));
      expect(order.done).toBe(true);
      expect(order.wants(0)).toBe(false);
    });
  });

  it('consumes nothing after a fault, even results that arrive later', () => {
    const seen: number[] = [];
    const order = new ResultOrder((r) => void seen.push(r.id));
    order.add(result(0, 4));
    order.add(result(1));
    order.add(result(2, 25));
    expect(seen).toEqual([0]);
  });

  it('stops when the consumer finds a fault itself (a checkpoint root), even without a batch fault', () => {
    const seen: number[] = [];
    const order = new ResultOrder((r) => {
      seen.push(r.id);
      return r.id === 1;
    });
    for (const id of [0, 1, 2]) order.add(result(id));
    expect(seen).toEqual([0, 1]);
    expect(order.done).toBe(true);
    expect(order.wants(2)).toBe(false);
  });
});
