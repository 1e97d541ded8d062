// `ace info`: which compute backend runs, on which BLAS, with how many threads, and why native was not used.
import { cpus } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { getBackend, isBackendChoice, BACKEND_CHOICES, type BackendChoice } from '../engine/backend/select.js';

export interface InfoReport {
  backend: string;
  blas: string;
  threads: number;
  fallbackReason: string | null;
  node: string;
  cpus: number;
  platform: string;
}

/** The CLI is the one place that reads ACE_BACKEND; everything below takes the choice as an argument. */
export function backendChoiceFromEnv(flag: string | undefined, env: NodeJS.ProcessEnv): BackendChoice {
  const raw = flag ?? env.ACE_BACKEND ?? 'auto';
  if (!isBackendChoice(raw)) throw new UsageError(`backend '${raw}' unknown (expected ${BACKEND_CHOICES.join(', ')}; from ${flag ? '--backend' : 'ACE_BACKEND'})`);
  return raw;
}

export function collectInfo(choice: BackendChoice, threads?: number): InfoReport {
  const b = getBackend(choice, threads === undefined ? {} : { threads });
  return {
    backend: b.info.name,
    blas: b.info.blas,
    threads: b.info.threads,
    fallbackReason: b.info.fallbackReason ?? null,
    node: process.version,
    cpus: cpus().length,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function formatInfo(r: InfoReport): string {
  const rows: Array<[string, string]> = [
    ['backend', r.backend],
    ['blas', r.blas],
    ['threads', String(r.threads)],
    ['fallback reason', r.fallbackReason ?? '-'],
    ['node', r.node],
    ['cpus', String(r.cpus)],
    ['platform', r.platform],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('info')
    .description('show the compute backend, BLAS, threads, fallback reason, Node version and CPU count')
    .option('--backend <choice>', `auto | native | js (default: ACE_BACKEND or auto)`)
    .option('--threads <n>', 'BLAS threads for the native backend', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be a positive integer, got '${v}'`);
      return n;
    })
    .option('--json', 'print JSON instead of a table')
    .action((opts: { backend?: string; threads?: number; json?: boolean }) => {
      const report = collectInfo(backendChoiceFromEnv(opts.backend, process.env), opts.threads);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatInfo(report));
    });
}
