// Whether two paths name one file (the same path, a symbolic or a hard link), so an output never overwrites its input.
import { statSync } from 'node:fs';

/** True when `a` and `b` both exist and are one file (same device and inode, links followed). */
export function isSameFile(a: string, b: string): boolean {
  const sa = statSync(a, { throwIfNoEntry: false });
  const sb = statSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}
