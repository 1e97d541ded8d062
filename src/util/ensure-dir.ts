// Creates an output folder and its missing parents one level at a time, failing fast on a path that cannot be a folder.
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up finds it and says so.
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * Makes folder `path` (and missing parents) and returns the folders it created, outermost first. Unlike
 * `mkdirSync(path, { recursive: true })`, which spins for minutes under /proc, every level is one `mkdir` call, so a
 * path that cannot be created fails at once with a UsageError naming it (`label` says which, e.g. `--out`).
 */
export function ensureDir(path: string, label = 'folder'): string[] {
  const target = resolve(path);
  const missing: string[] = [];
  let at = target;
  let st = statOrNull(at);
  while (st === null) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
    st = statOrNull(at);
  }
  if (st !== null && !st.isDirectory()) {
    throw new UsageError(at === target ? `${label} ${path} is a file, not a folder` : `cannot create ${label} ${path}: ${at} is a file, not a folder`);
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      mkdirSync(dir);
      created.push(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrNull(dir)?.isDirectory()) continue; // made meanwhile by another process
      const why = code === 'ENOENT' ? `${dirname(dir)} does not accept new folders` : code === 'EACCES' || code === 'EPERM' ? `permission denied in ${dirname(dir)}` : code === 'EROFS' ? `${dirname(dir)} is read-only` : (err as Error).message;
      throw new UsageError(`cannot create ${label} ${path}: ${why}`);
    }
  }
  return created;
}
