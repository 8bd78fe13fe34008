import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  /** fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Human-readable lines (pino-pretty) for a terminal, instead of one JSON object per line. */
  pretty: boolean;
  /** Where lines go; standard output by default. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/**
 * The process's one logger: the server's startup lines and Fastify's request lines (each with `reqId`) go
 * through it. JSON lines in production, for log collectors; pino-pretty lines when `pretty` is set. Formatting
 * happens on this thread (no transport worker), so a line is written before the call returns, even at exit.
 * Credentials never reach the log: Fastify's request serializer logs no headers, and redaction covers any
 * logged `authorization` or `cookie` header all the same.
 */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
  };
  if (options.pretty) {
    return pino(config, pretty({ destination: options.destination ?? 1, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
