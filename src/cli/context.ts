// What every command needs from the environment (data home, cache, backend), read in this one place.
import { getBackend, type BackendChoice } from '../engine/backend/select.js';
import type { Backend } from '../engine/backend/backend.js';
import { defaultCacheDir, defaultDataHome } from '../util/paths.js';
import { ensureDir } from '../util/ensure-dir.js';
import { UsageError } from '../util/errors.js';
import { backendChoiceFromEnv } from './info.js';

export interface CliContext {
  dataHome: string;
  cacheDir: string;
  backend: Backend;
}

/** The --threads flag (BLAS threads): a positive integer, or undefined for BLAS's own choice. */
export function threadsFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`--threads needs a positive integer, got '${v}'`);
  return n;
}

export function cliContext(flags: { home?: string; cacheDir?: string; backend?: string; threads?: string } = {}): CliContext {
  const choice: BackendChoice = backendChoiceFromEnv(flags.backend, process.env);
  const threads = threadsFlag(flags.threads);
  const cacheDir = flags.cacheDir ?? defaultCacheDir();
  ensureDir(cacheDir, 'cache folder'); // fails at once on a path that cannot be a folder
  return {
    dataHome: flags.home ?? defaultDataHome(),
    cacheDir,
    backend: getBackend(choice, threads !== undefined ? { threads } : {}),
  };
}

/** Progress lines for candidate preparation (embedding caches), on stderr. */
export function cacheEventLogger(stream: NodeJS.WritableStream = process.stderr) {
  let lastDraw = 0;
  return {
    log: (line: string) => stream.write(`${line}\n`),
    start: (candidate: string, set: string, n: number) => stream.write(`embedding ${candidate} for ${set} (${n} sentences)…\n`),
    progress: (candidate: string, set: string, done: number, total: number) => {
      const now = Date.now();
      if (now - lastDraw < 2000 && done < total) return;
      lastDraw = now;
      stream.write(`  ${candidate} ${set}: ${done}/${total}\n`);
    },
    done: (candidate: string, set: string, stats: { reused: boolean; outcome: string } | null) =>
      stream.write(`  ${candidate} ${set}: ${stats ? (stats.reused ? 'reused cache' : `built (${stats.outcome})`) : 'embedded'}\n`),
  };
}
