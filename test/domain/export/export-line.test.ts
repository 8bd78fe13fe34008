import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { toEventJson } from '../../../src/domain/chain/event-json.js';
import { exportLine } from '../../../src/domain/export/export-line.js';
import { chainEventVectors, toStoredEvent } from '../load-vectors.js';

describe('exportLine', () => {
  const events = chainEventVectors().map((v) => toStoredEvent(v.expected?.event ?? (undefined as never)));

  it('is the JCS text of the protocol JSON form and one line feed', () => {
    for (const event of events) expect(exportLine(event)).toBe(`${canonicalize(toEventJson(event))}\n`);
  });

  it('has no line feed before its end, whatever the payload holds', () => {
    const [event] = events;
    const line = exportLine({ ...(event as NonNullable<typeof event>), payload: { text: 'a\nb\r\nc\u2028d' } });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line).payload.text).toBe('a\nb\r\nc\u2028d');
  });

  it('names members in sorted order, so the bytes depend on the event only', () => {
    const [event] = events;
    const line = exportLine(event as NonNullable<typeof event>);
    expect(Object.keys(JSON.parse(line))).toEqual(Object.keys(toEventJson(event as NonNullable<typeof event>)).sort());
  });
});
