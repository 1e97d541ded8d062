// Locates the data home for tests: ACE_DATA_HOME, else ../shared/data beside the repository.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

export function dataHome(): string {
  return resolve(process.env.ACE_DATA_HOME ?? join(repoRoot(), '..', 'shared', 'data'));
}

/** Skip reason when the data home is missing (a user without the corpora); CI always has it. */
export function dataSkip(): string | false {
  return existsSync(dataHome()) ? false : `data home ${dataHome()} not found (set ACE_DATA_HOME)`;
}
