// How `ace` ends on an error: one line `ace: …`, exit 2 for a user's mistake, 1 for a bug, the stack only with --debug.
import { InputError, UsageError } from '../util/errors.js';

/** Exit code of an error the user can fix (bad option, bad file, path that cannot be read or written). */
export const EXIT_USER = 2;
/** Exit code of anything else: a bug in ace. */
export const EXIT_BUG = 1;

/** System error codes that come from the paths and permissions the user gave, not from a bug. */
const USER_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EROFS', 'ENOSPC', 'ELOOP', 'ENAMETOOLONG', 'EMFILE', 'EDQUOT']);

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

export function isSystemError(err: unknown): err is SystemError {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** `cannot open /x/y.yaml: no such file or directory` from Node's `ENOENT: no such file or directory, open '/x/y.yaml'`. */
function systemMessage(err: SystemError): string {
  const reason = err.message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*$/, '');
  const what = err.path !== undefined ? `${err.path}${err.dest !== undefined ? ` → ${err.dest}` : ''}` : '';
  return err.syscall !== undefined && what !== '' ? `cannot ${err.syscall} ${what}: ${reason}` : `${what !== '' ? `${what}: ` : ''}${reason}`;
}

export interface Failure {
  code: number;
  /** What goes to stderr: one line, or the stack too with --debug. */
  text: string;
}

/** The message and exit code for an error that reached the top level. */
export function describeFailure(err: unknown, debug: boolean): Failure {
  const stack = debug && err instanceof Error && err.stack ? `${err.stack}\n` : '';
  if (err instanceof UsageError || err instanceof InputError) return { code: EXIT_USER, text: `ace: ${err.message}\n${stack}` };
  if (isSystemError(err) && USER_CODES.has(err.code)) return { code: EXIT_USER, text: `ace: ${systemMessage(err)}\n${stack}` };
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  const hint = debug ? '' : ' (a bug in ace; run again with --debug for the stack)';
  return { code: EXIT_BUG, text: `ace: internal error: ${message.split('\n')[0]}${hint}\n${stack}` };
}

/** A write to a closed pipe (`ace predict … | head`): the reader has all it wants, so ace stops quietly. */
export function isBrokenPipe(err: unknown): boolean {
  return isSystemError(err) && err.code === 'EPIPE';
}
