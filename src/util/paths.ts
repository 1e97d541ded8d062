// Where the data home and the cache live; read from the environment only by the CLI, which passes them on.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ACE_DATA_HOME ?? join(homedir(), '.local', 'share', 'ace-ts', 'data'));
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ACE_CACHE_DIR) return resolve(env.ACE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return resolve(base, 'ace-ts');
}
