/** A response body longer than the reader allows. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** A response body that is not UTF-8 (strictly decoded: nothing is replaced). */
export class ResponseNotUtf8Error extends Error {
  constructor(cause: unknown) {
    super('not UTF-8', { cause });
    this.name = 'ResponseNotUtf8Error';
  }
}

/**
 * The body of a response from a peer we do not trust (a model provider, a checkpoint cosigner) as UTF-8 text,
 * reading at most `limit` bytes: a hostile peer could otherwise stream forever. Throws ResponseTooLargeError past
 * the limit (the stream is cancelled), ResponseNotUtf8Error for invalid UTF-8, and the stream's own error when the
 * connection drops mid-body.
 */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch (err) {
    throw new ResponseNotUtf8Error(err);
  }
}
