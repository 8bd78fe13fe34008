import { eventSignatureMessage } from '../domain/signing/messages.js';
import { toBase64 } from '../domain/encoding/bytes.js';
import type { EventSubmission, SignedBody } from '../domain/chain/event.types.js';
import type { KeyCustody } from './ports.js';

/** Signs `body` as its agent, with the custody key `body.signingKeyId`: what an agent does before submitting. */
export async function signSubmission(body: SignedBody, custody: KeyCustody): Promise<EventSubmission> {
  const signature = await custody.sign(body.signingKeyId, eventSignatureMessage(body));
  return { ...body, signature: toBase64(signature) };
}
