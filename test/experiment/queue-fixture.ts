// The Redis side of the queue tests: ACE_TEST_REDIS, per-test queue names removed afterwards, worker processes started and stopped.
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { connectionOptions, parseRedisUrl } from '../../src/experiment/redis.js';
import { dataSkip } from '../helpers/data-home.js';
import { startAce, waitFor, type Started } from './processes.js';

export const REDIS = process.env.ACE_TEST_REDIS;
export const redisSkip: string | false = REDIS === undefined ? 'ACE_TEST_REDIS is not set (redis://HOST:PORT of a Redis the tests may use; .ci/run starts one)' : dataSkip();

/** Queues and worker processes of one test file; `cleanup` kills what still runs and obliterates the queues. */
export class QueueFixture {
  private readonly queues: string[] = [];
  private readonly workers: Started[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  queueName(): string {
    const name = `ace-test-${process.pid}-${this.queues.length}`;
    this.queues.push(name);
    return name;
  }

  async startWorker(queue: string): Promise<Started> {
    const w = startAce(['worker', '--queue', REDIS!, '--queue-name', queue, '--stall-seconds', '2'], this.env);
    this.workers.push(w);
    await waitFor(() => /waiting for jobs/.test(w.stderr()), 20_000, 'the worker to connect');
    return w;
  }

  async stopWorker(w: Started): Promise<void> {
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    assert.equal(code, 0, w.stderr());
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    if (REDIS === undefined) return;
    for (const name of this.queues) {
      const q = new Queue(name, { connection: connectionOptions(parseRedisUrl(REDIS)) });
      await q.obliterate({ force: true });
      await q.close();
    }
  }
}
