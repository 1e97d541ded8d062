// `ace experiment PLAN --out DIR` (run a plan's jobs on local processes or put them on a Redis queue) and `ace experiment status DIR`.
import type { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { optional, positiveInteger } from '../util/flag-values.js';
import { hostname } from 'node:os';
import { isFinished, jobDir, prepareExperiment } from '../experiment/job-folder.js';
import { runLocal } from '../experiment/local-pool.js';
import { loadPlan } from '../experiment/plan.js';
import { DEFAULT_QUEUE_NAME, parseRedisUrl, probeRedis } from '../experiment/redis.js';
import { experimentStatus, formatStatus } from '../experiment/status.js';

interface RunFlags {
  out?: string;
  workers?: string;
  queue?: string;
  queueName: string;
  attempts?: string;
  wait?: boolean;
}

const positive = optional(positiveInteger);

const jobs = (n: number): string => `${n} job${n === 1 ? '' : 's'}`;

const say = (line: string): void => {
  process.stderr.write(`ace: ${line}\n`);
};

async function runExperiment(planPath: string, flags: RunFlags): Promise<void> {
  if (!flags.out) throw new UsageError('--out DIR is required (the experiment folder)');
  if (flags.queue !== undefined && flags.workers !== undefined) throw new UsageError('--workers runs jobs here, --queue on workers elsewhere: give one of them');
  const workers = positive('workers', flags.workers) ?? 1;
  const target = flags.queue !== undefined ? parseRedisUrl(flags.queue) : null;
  const plan = loadPlan(planPath);
  if (target !== null) await probeRedis(target);
  const attempts = positive('attempts', flags.attempts) ?? plan.attempts;
  const manifest = prepareExperiment(plan, flags.out);
  const pending = manifest.jobs.filter((j) => !isFinished(jobDir(flags.out!, j.id)));
  const finished = manifest.jobs.length - pending.length;
  say(`${manifest.name}: ${jobs(manifest.jobs.length)}, ${finished} finished already, ${pending.length} to run · ${flags.out}`);
  if (pending.length === 0) return;

  if (target === null) {
    const abort = new AbortController();
    const stop = (): void => {
      abort.abort();
      process.exitCode = 130;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const r = await runLocal(flags.out, pending, { workers, attempts, log: say, worker: `${hostname()}:${process.pid}`, signal: abort.signal });
      if (abort.signal.aborted) {
        say(`interrupted; run the same command again to continue`);
        return;
      }
      say(`${r.done.length} done, ${r.skipped.length} already finished, ${r.failed.length} failed${r.failed.length ? `: ${r.failed.join(', ')}` : ''}`);
      if (r.failed.length > 0) process.exitCode = 1;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return;
  }

  // BullMQ (and its Redis client) load only for a queue: every other `ace` command starts without them.
  const { queueStates, submitJobs } = await import('../experiment/queue.js');
  const r = await submitJobs(target, flags.queueName, flags.out, pending, attempts);
  say(`queued ${jobs(r.added.length)} on ${target.display} (queue ${flags.queueName})${r.kept.length ? `, ${r.kept.length} were queued already` : ''}; run them with: ace worker --queue ${target.display}${flags.queueName !== DEFAULT_QUEUE_NAME ? ` --queue-name ${flags.queueName}` : ''}`);
  if (!flags.wait) return;
  const ids = pending.map((j) => j.id);
  let last = '';
  for (;;) {
    const states = await queueStates(target, flags.queueName, flags.out, ids);
    const values = [...states.values()];
    const line = formatStatus(experimentStatus(flags.out)).split('\n')[0];
    // A line when the counts change (the ETA alone moves every second).
    const counts = line.replace(/ · (ETA|nothing).*$/, '');
    if (counts !== last) say(line);
    last = counts;
    if (values.every((s) => s === 'completed' || s === 'failed' || s === 'missing')) {
      const failed = ids.filter((id) => states.get(id) !== 'completed');
      if (failed.length > 0) {
        say(`${jobs(failed.length)} failed: ${failed.join(', ')}`);
        process.exitCode = 1;
      }
      return;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export function register(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('run an experiment plan (data sets × candidate pools × strategies × seeds), one `ace search` per job, in DIR/jobs/<id>/')
    .argument('<plan>', 'YAML or JSON plan file')
    .option('--out <dir>', 'experiment folder (running the plan again continues it)')
    .option('--workers <n>', 'local job processes at a time (default 1)')
    .option('--queue <url>', 'put the jobs on a BullMQ queue in Redis (redis://HOST:PORT) for `ace worker` processes instead')
    .option('--queue-name <name>', 'queue name', DEFAULT_QUEUE_NAME)
    .option('--attempts <n>', 'tries per job, each resuming the last (default: the plan\'s, else 3)')
    .option('--wait', 'with --queue: wait until the queue has run every job')
    .action((plan: string, flags: RunFlags) => runExperiment(plan, flags));
  experiment
    .command('status')
    .description('jobs done, running, failed and retried, and an ETA')
    .argument('<dir>', 'experiment folder')
    .option('--json', 'print the status as JSON')
    .action((dir: string, flags: { json?: boolean }) => {
      const s = experimentStatus(dir);
      process.stdout.write(flags.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
    });
}
