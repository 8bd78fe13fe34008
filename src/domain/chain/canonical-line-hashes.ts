import { sha256 } from '../encoding/sha256.js';
import { compareByteRanges, utf8 } from '../encoding/bytes.js';
import { EncodedLeafHasher } from '../merkle/event-leaf.js';
import { latin1 } from './canonical-json-scan.js';
import type { CanonicalEventLine } from './canonical-event-line.js';
import type { ChainLink } from './event.types.js';

/**
 * The link a line's successor is checked against, as ASCII bytes: a CanonicalEventLine just read, or a ChainLink
 * (byteLinkOf) when the line before was read by parseEventLine.
 */
export interface ByteLink {
  readonly sequence: number;
  readonly bytes: Uint8Array;
  /** The 64 lowercase hex digits of content_hash start here. */
  readonly contentHashAt: number;
  /** authority_timestamp (canonical, so ASCII): [timestampAt, timestampEnd). */
  readonly timestampAt: number;
  readonly timestampEnd: number;
}

const GENESIS = new Uint8Array(64).fill(0x30);
const HEX_DIGITS = new Uint8Array([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);

/**
 * True when `line` (a canonical event line just read) passes what verifyLink(prev, event) and
 * verifyContentHash(event) check, computed over its bytes: the next sequence, prev_hash equal to prev's
 * content_hash (64 zeros at genesis), authority time not running backwards, and content_hash equal to the SHA-256
 * of its content-hash text. False says only that one of them failed; the caller learns which, with the error each
 * names, by verifying the line with parseEventLine, verifyLink and verifyContentHash (docs/PROTOCOL.md §17.4).
 */
export function canonicalLineLinks(prev: ByteLink | undefined, line: CanonicalEventLine): boolean {
  const { bytes } = line;
  if (line.sequence !== (prev === undefined ? 1 : prev.sequence + 1)) return false;
  const expected = prev === undefined ? GENESIS : prev.bytes;
  const expectedAt = prev === undefined ? 0 : prev.contentHashAt;
  for (let k = 0; k < 64; k++) if (bytes[line.prevHashAt + k] !== expected[expectedAt + k]) return false;
  // Canonical timestamps have one fixed-width ASCII spelling, so byte order is the string order verifyLink uses.
  if (prev !== undefined && compareByteRanges(bytes, line.timestampAt, line.timestampEnd, prev.bytes, prev.timestampAt, prev.timestampEnd) < 0) return false;
  const digest = sha256(line.contentHashInput());
  for (let k = 0; k < 32; k++) {
    const b = digest[k] as number;
    if (bytes[line.contentHashAt + 2 * k] !== HEX_DIGITS[b >> 4] || bytes[line.contentHashAt + 2 * k + 1] !== HEX_DIGITS[b & 15]) return false;
  }
  return true;
}

/**
 * eventLeafHash of the line's event, from its bytes, or undefined when the line does not give the parts directly
 * (witness_signature not 64 bytes of canonical base64, or witness_id written with an escape): the caller then takes
 * the event's own eventLeafHash, which reports the first case and decodes the second.
 */
export function canonicalLineLeafHash(line: CanonicalEventLine): Uint8Array | undefined {
  if (!line.witnessIdPlain) return undefined;
  return leafHasher.hash(line.bytes, line.contentHashAt, line.witnessSignatureAt, line.witnessSignatureEnd, line.witnessIdAt, line.witnessIdEnd);
}

const leafHasher = new EncodedLeafHasher();

/** A ChainLink as a ByteLink. */
export function byteLinkOf(link: ChainLink): ByteLink {
  return { sequence: link.sequence, bytes: utf8(link.contentHash + link.authorityTimestamp), contentHashAt: 0, timestampAt: 64, timestampEnd: 64 + link.authorityTimestamp.length };
}

/** The ChainLink of a canonical event line just read (what parseEventLine would give for its three members). */
export function chainLinkOf(line: CanonicalEventLine): ChainLink {
  const { bytes } = line;
  return {
    sequence: line.sequence,
    contentHash: latin1(bytes, line.contentHashAt, line.contentHashAt + 64),
    authorityTimestamp: latin1(bytes, line.timestampAt, line.timestampEnd),
  };
}
