import { ChainError, MerkleError } from '../../domain/errors.js';
import { CompactRange } from '../../domain/merkle/compact-range.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import type { MerkleStore } from '../ports.js';

/** Events read and their nodes stored per transaction while catching up. */
export const DEFAULT_APPEND_PAGE_SIZE = 1000;

/**
 * Keeps merkle_nodes caught up with the events table: leaf i is the event with sequence i + 1 (docs/PROTOCOL.md
 * §15). Each page of events becomes one transaction of nodes, so a crash loses at most the page in flight, which
 * the next catch-up (in this or another process) redoes from the stored tree size: catching up is idempotent.
 * Calls in one process run one at a time.
 */
export class MerkleTreeAppender {
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly merkle: MerkleStore,
    private readonly pageSize: number = DEFAULT_APPEND_PAGE_SIZE,
  ) {}

  /**
   * Appends a leaf for every stored event the tree lacks; resolves with the tree size reached (the head's
   * sequence when it returns). Throws ChainError CHAIN_SEQUENCE_GAP when the events skip a sequence, SIG_MALFORMED
   * / INPUT_FIELD_INVALID for a malformed stored row, StoreError when the database refuses or is unreachable.
   */
  catchUp(): Promise<number> {
    const next = this.running.catch(() => 0).then(() => this.catchUpNow());
    this.running = next;
    return next;
  }

  private async catchUpNow(): Promise<number> {
    let range = await this.loadRange();
    for (;;) {
      const events = await this.merkle.readLeafEvents(range.treeSize, this.pageSize);
      if (events.length === 0) return range.treeSize;
      const fromSize = range.treeSize;
      const nodes = events.flatMap((event) => {
        if (event.sequence !== range.treeSize + 1) {
          throw new ChainError({ code: 'CHAIN_SEQUENCE_GAP', message: `the Merkle tree of ${range.treeSize} leaves cannot take sequence ${event.sequence}`, details: { sequence: event.sequence } });
        }
        return range.append(eventLeafHash(event));
      });
      // Another process may have stored these leaves meanwhile: start again from what is stored.
      if (!(await this.merkle.appendNodes(fromSize, nodes))) range = await this.loadRange();
    }
  }

  /** The compact range of the stored tree: its perfect subtrees, O(log n) nodes in one read. */
  private async loadRange(): Promise<CompactRange> {
    const size = await this.merkle.treeSize();
    const ids = CompactRange.subtreeIds(size);
    const hashes = await this.merkle.readNodes(ids);
    const missing = hashes.findIndex((h) => h === undefined);
    if (missing >= 0) {
      throw new MerkleError({ code: 'MERKLE_TREE_INCONSISTENT', message: `merkle_nodes lacks node ${JSON.stringify(ids[missing])} of its own tree of ${size} leaves`, details: { treeSize: size } });
    }
    return CompactRange.fromSubtrees(size, hashes as Uint8Array[]);
  }
}
