// `--parallel K` branches as child processes: the runner that starts one `ace search-branch <dir>` per branch (search.ts registers that command).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRANCH_RESULT_FILE, readBranchResult, type BranchEpoch, type BranchHooks, type BranchRunner } from '../search/parallel.js';

const CLI_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** The watchdog that ends a child as soon as its parent is gone (the same one experiment jobs run under). */
const ORPHAN_GUARD = new URL('../experiment/orphan-guard.js', import.meta.url).href;
/** Prefix of the progress lines a branch process writes on stdout. */
const EPOCH_LINE = 'ace-branch-epoch ';

/** The script a branch process runs and the node flags before it. */
export interface BranchEntry {
  script: string;
  execArgv: string[];
}

export interface ChildRunnerOptions {
  /** BLAS threads of each branch process. */
  threads: number;
  /** Default: this build's `ace` (dist/src/cli/main.js). */
  entry?: BranchEntry;
}

/** Keep the last `max` characters of a stream (for the error message of a failed branch). */
function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

function runChild(dir: string, options: ChildRunnerOptions, hooks: BranchHooks): Promise<void> {
  const entry = options.entry ?? { script: CLI_MAIN, execArgv: [] };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...entry.execArgv, '--import', ORPHAN_GUARD, entry.script, 'search-branch', dir, '--threads', String(options.threads)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ACE_JOB_PARENT_PID: String(process.pid) },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith(EPOCH_LINE)) hooks.onEpoch?.(JSON.parse(line.slice(EPOCH_LINE.length)) as BranchEpoch);
      }
    });
    child.stderr.on('data', (chunk: string) => {
      err = tail(err + chunk);
    });
    child.once('error', (e) => fail(new Error(`cannot start the branch process for ${dir}: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) done();
      else fail(new Error(`the branch in ${dir} ${signal !== null ? `was killed (${signal})` : `exited with code ${code}`}${err ? `:\n${err.trimEnd()}` : ''}`));
    });
  });
}

/**
 * Runs every unfinished branch of a step as its own process at once (each rebuilds the task from the search's
 * command.json, as --resume does) and waits for all of them; the first failure is reported after the others end.
 */
export function childProcessRunner(options: ChildRunnerOptions): BranchRunner {
  return {
    async run(branchDirs, hooks) {
      const settled = await Promise.allSettled(branchDirs.map((dir) => (existsSync(join(dir, BRANCH_RESULT_FILE)) ? Promise.resolve() : runChild(dir, options, hooks))));
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
      return branchDirs.map((dir) => readBranchResult(dir));
    },
  };
}

/** The progress line a branch process writes on stdout for each epoch (read back by `childProcessRunner`). */
export function branchEpochLine(epoch: BranchEpoch): string {
  return `${EPOCH_LINE}${JSON.stringify(epoch)}\n`;
}
