/** Decides whether this instance may write now (the halt guard). Throws HaltError when it may not. */
export interface WriteGate {
  assertWritable(eventType: string): void;
  /** The database refused a write for a halt this instance had not seen yet: look again now. */
  haltSeenByDatabase(): void;
  /** Integrity is in doubt (a fork: another event took the sequence this instance placed): halt (CT-13). */
  integrityFault(description: string): void;
}
