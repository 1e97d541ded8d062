// Whether two paths name one file (the same path, a symbolic or a hard link), so an output never overwrites its input.
import { statSync } from 'node:fs';
import { UsageError } from './errors.js';

/** True when `a` and `b` both exist and are one file (same device and inode, links followed). */
export function isSameFile(a: string, b: string): boolean {
  const sa = statSync(a, { throwIfNoEntry: false });
  const sb = statSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Refuses an --output that is the --input file (by path or through a link): the gold file would be overwritten. */
export function refuseOverwritingInput(input: string, output: string): void {
  if (isSameFile(input, output)) {
    throw new UsageError(`--output ${output} is the --input file${output === input ? '' : ` ${input} (the same file through another path or a link)`}; the predictions would overwrite it: write them to another file`);
  }
}
