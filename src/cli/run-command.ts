import { InvalidArgumentError } from 'commander';
import { parseConfig, type Config } from '../app/config.js';
import { openStack, type OpenStackOptions, type Stack } from '../compose.js';
import { AppError, ConfigError, HSMNotConfiguredError, InputError } from '../domain/errors.js';
import { ApiError } from './api-client.js';

/** Exit codes: 0 success, 1 the operation failed or found a fault, 2 bad usage, input or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The configuration from this process's environment (the CLI is a composition root, like main.ts). */
export function loadConfig(): Config {
  return parseConfig(process.env);
}

/** Opens the stack for one command (with key custody when it signs), runs it, always closes it. */
export async function withStack<T>(holder: string, fn: (stack: Stack) => Promise<T>, options: OpenStackOptions = {}): Promise<T> {
  const stack = await openStack(loadConfig(), holder, options);
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

/**
 * `Name: CODE` for the refusals the runbook names by class (DevModeEnvironmentMismatchError,
 * HSMNotConfiguredError: subclasses of a base error class), else `CODE`. Operators grep for the runbook's name.
 */
export function errorLabel(err: AppError): string {
  const base = Object.getPrototypeOf(err.constructor) === AppError || err.constructor === AppError;
  return base ? err.code : `${err.name}: ${err.code}`;
}

/**
 * Runs a command action: prints an AppError as one line `archon72: [Name: ]CODE: message` (never a stack trace)
 * and sets the exit code (2 for bad input or configuration, 1 otherwise); anything else is a bug and is printed
 * in full.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      if (err instanceof ApiError) {
        // The service refused: its own code and message; 4xx is the caller's input, anything else a failure.
        process.stderr.write(`archon72: ${err.code}: ${err.message}\n`);
        process.exitCode = err.status >= 400 && err.status < 500 ? EXIT.usage : EXIT.failed;
      } else if (err instanceof AppError) {
        // One line whatever the message quotes (a parser's message can quote raw input, newlines and control bytes).
        process.stderr.write(`archon72: ${errorLabel(err)}: ${oneLine(err.message)}\n`);
        const usage = err instanceof InputError || err instanceof ConfigError || err instanceof HSMNotConfiguredError || err.code === 'DELIBERATION_MOTION_INVALID';
        process.exitCode = usage ? EXIT.usage : EXIT.failed;
      } else {
        process.stderr.write(`archon72: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
        process.exitCode = EXIT.failed;
      }
    }
  };
}

/** `text` on one line: runs of whitespace and control characters become one space. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Parses a sequence option: a positive safe integer. */
export function parseSequence(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a sequence number (a whole number ≥ 1)`);
  }
  return n;
}
