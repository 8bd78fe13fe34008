import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toBase64, toHex } from '../../../src/domain/encoding/bytes.js';
import { rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { eventLeafHash, eventLeafInput, MERKLE_LEAF_DOMAIN } from '../../../src/domain/merkle/event-leaf.js';
import { EMPTY_ROOT } from '../../../src/domain/merkle/tree-hash.js';
import { checkpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { chainEventVectors, toStoredEvent } from '../load-vectors.js';

// STYLE.md §2.12: the worked examples of docs/PROTOCOL.md §15 are computed here from test/vectors/event-chain.json.
const protocol = readFileSync(fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)), 'utf8');
const section = protocol.slice(protocol.indexOf('## 15. Merkle tree and checkpoints'), protocol.indexOf('## 16.'));
const events = chainEventVectors().map((v) => toStoredEvent(v.expected?.event ?? (undefined as never)));

describe('docs/PROTOCOL.md §15 examples', () => {
  it('§15.1: the leaf input of event 1, its length and its leaf hash', () => {
    const event = events[0] as (typeof events)[number];
    const input = eventLeafInput(event);
    expect(MERKLE_LEAF_DOMAIN.length).toBe(23);
    expect(section).toContain('The domain string is 23 bytes, so the leaf input is 120 + length');
    expect(section).toContain(`has the\n${input.length}-byte leaf input`);
    const quoted = /has the\n\d+-byte leaf input\n((?:`[0-9a-f]+`\s*)+)/.exec(section)?.[1]?.replace(/[`\s]/g, '');
    expect(quoted).toBe(toHex(input));
    expect(section).toContain(`the leaf hash\n\`${toHex(eventLeafHash(event))}\``);
  });

  it('§15.2: the empty root and the root of the four vector events', () => {
    expect(section).toContain(`\`${toHex(EMPTY_ROOT).slice(0, 8)}…${toHex(EMPTY_ROOT).slice(-4)}\``);
    expect(section).toContain(`give the root \`${toHex(rootFromLeafHashes(events.map(eventLeafHash)))}\``);
  });

  it('§15.3: the checkpoint body of those events under the development origin', () => {
    const body = checkpointBody({ origin: 'archon72.invalid/dev', treeSize: 4, rootHash: rootFromLeafHashes(events.map(eventLeafHash)) });
    const block = /### 15\.3[\s\S]*?```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(body);
    expect(body.split('\n')[2]).toBe(toBase64(rootFromLeafHashes(events.map(eventLeafHash))));
  });
});
