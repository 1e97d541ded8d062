// Runs the built `ace` command as a user does (a child process of dist/src/cli/main.js) and returns its exit code and output.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './data-home.js';

export const ACE_MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ace ...args` with `env` added to the environment (one BLAS thread, so tests share the machine). */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [ACE_MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', ...opts.env },
    input: opts.input ?? '',
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `ace ...args` with `input` on stdin, its stdout closed after the first chunk arrives (as `… | head -1` does). */
export function runCliClosingStdout(args: string[], input: string, env: Record<string, string> = {}): Promise<CliResult & { firstChunk: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACE_MAIN, ...args], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1', ...env } });
    let firstChunk = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', (d: Buffer) => {
      firstChunk = d.toString('utf8');
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: firstChunk, stderr, firstChunk }));
    child.stdin.on('error', () => {}); // the child may stop reading early
    child.stdin.end(input);
  });
}

/** True when `text` holds a stack-trace line (`    at f (file:line:col)`). */
export function hasStack(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /throw ex;/.test(text);
}
