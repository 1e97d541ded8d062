// `ace worker --queue redis://HOST:PORT`: run queued experiment jobs on this machine until stopped (Ctrl-C, SIGTERM).
import type { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { positiveInteger } from '../util/flag-values.js';
import { DEFAULT_QUEUE_NAME, parseRedisUrl } from '../experiment/redis.js';

interface WorkerFlags {
  queue?: string;
  queueName: string;
  concurrency: string;
  stallSeconds: string;
}

const positive = positiveInteger;

export function register(program: Command): void {
  program
    .command('worker')
    .description('run jobs of `ace experiment --queue` here; needs the experiment folder at the same path and the same data home')
    .option('--queue <url>', 'the Redis the jobs were queued on (redis://HOST:PORT)')
    .option('--queue-name <name>', 'queue name', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'jobs at a time', '1')
    .option('--stall-seconds <s>', 'job lock duration: a killed worker\'s job is retried elsewhere after about twice this', '30')
    .action(async (flags: WorkerFlags) => {
      if (!flags.queue) throw new UsageError('--queue redis://HOST:PORT is required');
      const target = parseRedisUrl(flags.queue);
      const say = (line: string): void => {
        process.stderr.write(`ace worker: ${line}\n`);
      };
      const { startWorker } = await import('../experiment/queue.js');
      const worker = await startWorker(target, flags.queueName, {
        concurrency: positive('concurrency', flags.concurrency),
        stallSeconds: positive('stall-seconds', flags.stallSeconds),
        log: say,
      });
      say(`${worker.name} waiting for jobs on ${target.display} (queue ${flags.queueName})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          say('stopping; running jobs go back to the queue');
          void worker.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
