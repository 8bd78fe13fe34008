import { createReadStream, statSync } from 'node:fs';
import { InputError } from '../../domain/errors.js';
import type { VerifySource } from '../../app/offline-verify/verify-source.js';

/** Bytes read per chunk: large reads keep the file system out of the way. */
const CHUNK_BYTES = 1 << 20;

/**
 * An NDJSON export file (what GET /v1/observer/export?format=ndjson returns), streamed in 1 MiB chunks: memory
 * stays flat for any size. `-` reads standard input. Throws InputError INPUT_FIELD_INVALID (details.field "--file")
 * when the path is not a readable regular file, at once, and when reading fails part-way.
 */
export function createFileVerifySource(path: string, stdin: NodeJS.ReadableStream = process.stdin): VerifySource {
  if (path === '-') return { name: 'standard input', totalBytes: undefined, chunks: () => readChunks(stdin, 'standard input') };
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a regular file');
    size = stat.size;
  } catch (cause) {
    throw unreadable(path, cause);
  }
  return { name: path, totalBytes: size, chunks: () => readChunks(createReadStream(path, { highWaterMark: CHUNK_BYTES }), path) };
}

async function* readChunks(stream: NodeJS.ReadableStream, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
  } catch (cause) {
    throw unreadable(name, cause);
  }
}

function unreadable(name: string, cause: unknown): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message: `cannot read ${name}: ${(cause as Error).message}`, details: { field: '--file' }, cause });
}
