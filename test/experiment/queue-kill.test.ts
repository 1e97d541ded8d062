// A worker killed with kill -9 mid-job (real Redis, ACE_TEST_REDIS): BullMQ's stall check hands the job to the other worker, which resumes it to the same result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStatus } from '../../src/experiment/job-folder.js';
import { aceEnv, alive, assertSameResult, committed, readJsonFile, runAce, searchFinished, waitFor, writeTinyPlan } from './processes.js';
import { QueueFixture, REDIS, redisSkip as skip } from './queue-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'ace-exp-kill-'));
const env = aceEnv(join(root, 'cache'));
const fixture = new QueueFixture(env);
test.after(async () => {
  await fixture.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const status = (dir: string): JobStatus => readJsonFile<JobStatus>(join(dir, 'status.json'));

test('a worker killed with kill -9 mid-job: the other worker resumes the job to the same search.json and model as an uninterrupted run', { skip }, async () => {
  const plan = writeTinyPlan(join(root, 'long.yaml'), { strategies: ['ace'], seeds: [5], episodes: 3, epochsPerEpisode: 2, limit: 80 });
  const whole = join(root, 'whole');
  const ref = await runAce(['experiment', plan, '--out', whole], env);
  assert.equal(ref.code, 0, ref.stderr);

  const queue = fixture.queueName();
  const pool = await Promise.all([fixture.startWorker(queue), fixture.startWorker(queue)]);
  const out = join(root, 'killed');
  const job = join(out, 'jobs', 'chunk-ace-s5');
  const submit = await runAce(['experiment', plan, '--out', out, '--queue', REDIS!, '--queue-name', queue], env);
  assert.equal(submit.code, 0, submit.stderr);
  await waitFor(() => committed(job, 2), 60_000, 'two committed epochs');
  const first = status(job).attempts[0];
  const victim = pool.find((w) => first.worker.endsWith(`:${w.child.pid}`))!;
  const survivor = pool.find((w) => w !== victim)!;
  victim.child.kill('SIGKILL');
  await victim.exited;
  assert.equal(searchFinished(job), false, 'the job finished before the kill');
  // The guard polls every 100 ms; 5 s leaves room for a machine loaded by the rest of the suite (2 s once timed out
  // there). That the guard kills within a second is asserted on its own in test/search/parallel-cli.test.ts.
  await waitFor(() => !alive(first.pid!), 5000, 'the killed worker\'s job process to end');

  await waitFor(() => status(job).state === 'done', 60_000, 'the job to finish on the other worker', 200);
  const s = status(job);
  assert.equal(s.attempts.length, 2);
  assert.deepEqual(s.attempts.map((x) => x.resumed), [false, true]);
  assert.equal(s.attempts[1].worker, `${first.worker.split(':')[0]}:${survivor.child.pid}`);
  assert.match(readFileSync(join(job, 'search.log.jsonl'), 'utf8'), /"resumedAt":\{"episode":\d+,"epoch":\d+\}/);
  assertSameResult(join(whole, 'jobs', 'chunk-ace-s5'), job);
  const st = await runAce(['experiment', 'status', out], env);
  assert.match(st.stdout, /1 job: 1 done, 0 running, 0 failed, 0 pending · 1 retried · nothing left/);
  await fixture.stopWorker(survivor);
});

