// `ace experiment --queue` and `ace worker` against a real Redis (ACE_TEST_REDIS): two workers share a plan; no Redis fails fast, in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStatus } from '../../src/experiment/job-folder.js';
import { aceEnv, readJsonFile, runAce, writeTinyPlan } from './processes.js';
import { QueueFixture, REDIS, redisSkip as skip } from './queue-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'ace-exp-queue-'));
const env = aceEnv(join(root, 'cache'));
const fixture = new QueueFixture(env);
test.after(async () => {
  await fixture.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const status = (dir: string): JobStatus => readJsonFile<JobStatus>(join(dir, 'status.json'));

test('two workers run a small plan through the queue; queueing it again adds nothing', { skip }, async () => {
  const queue = fixture.queueName();
  const [a, b] = await Promise.all([fixture.startWorker(queue), fixture.startWorker(queue)]);
  const plan = writeTinyPlan(join(root, 'plan.yaml'), { strategies: ['ace', 'random'], seeds: [1, 2], episodes: 2, limit: 30 });
  const out = join(root, 'exp');
  const run = await runAce(['experiment', plan, '--out', out, '--queue', REDIS!, '--queue-name', queue, '--wait'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /queued 4 jobs on redis:\/\//);
  assert.match(run.stderr, /4 jobs: 4 done, 0 running, 0 failed, 0 pending · 0 retried · nothing left/);
  const ids = ['chunk-ace-s1', 'chunk-ace-s2', 'chunk-random-s1', 'chunk-random-s2'];
  const ranBy = ids.map((id) => {
    const s = status(join(out, 'jobs', id));
    assert.equal(s.state, 'done');
    assert.equal(s.attempts.length, 1);
    assert.notEqual(readJsonFile<{ final: unknown }>(join(out, 'jobs', id, 'search.json')).final, null);
    return s.attempts[0].worker;
  });
  assert.equal(new Set(ranBy).size, 2, `one worker ran every job: ${ranBy.join(', ')}`);
  for (const w of [a, b]) assert.match(w.stderr(), /chunk-\w+-s\d: done in/);

  const again = await runAce(['experiment', plan, '--out', out, '--queue', REDIS!, '--queue-name', queue], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /4 finished already, 0 to run/);
  await Promise.all([fixture.stopWorker(a), fixture.stopWorker(b)]);
});

test('a job failing on every try ends failed on the queue; queueing the plan again replaces it and tries again', { skip }, async () => {
  const queue = fixture.queueName();
  const w = await fixture.startWorker(queue);
  const plan = join(root, 'bad.yaml');
  writeFileSync(plan, 'datasets: [{ id: chunk, task: chunk, data: conll2000 }]\npools: { p: [casing, nosuch] }\nattempts: 2\nsearch: { episodes: 1, limit: 10, hidden: 16 }\n');
  const out = join(root, 'bad');
  const job = join(out, 'jobs', 'chunk-ace-s1');
  const first = await runAce(['experiment', plan, '--out', out, '--queue', REDIS!, '--queue-name', queue, '--wait'], env);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /1 job failed: chunk-ace-s1\n$/);
  // Refused before its first epoch, a run leaves no command.json: the retry starts afresh.
  assert.deepEqual(status(job).attempts.map((a) => a.resumed), [false, false]);
  assert.equal(status(job).state, 'failed');
  assert.match(w.stderr(), /ace worker: job chunk-ace-s1: ace search exited with code 2; see /);
  const again = await runAce(['experiment', plan, '--out', out, '--queue', REDIS!, '--queue-name', queue, '--wait'], env);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /queued 1 job on/);
  assert.equal(status(job).attempts.length, 4);
  await fixture.stopWorker(w);
});

test('no Redis at the URL: one line naming it, exit 2, within seconds (experiment and worker)', async () => {
  const plan = writeTinyPlan(join(root, 'unreachable.yaml'), { strategies: ['ace'], seeds: [1], episodes: 1, limit: 10 });
  for (const args of [
    ['experiment', plan, '--out', join(root, 'never'), '--queue', 'redis://127.0.0.1:1'],
    ['worker', '--queue', 'redis://127.0.0.1:1'],
  ]) {
    const r = await runAce(args, env);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'ace: cannot reach Redis at redis://127.0.0.1:1: ECONNREFUSED\n');
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  }
  assert.equal(existsSync(join(root, 'never')), false);
  // A host that never answers (TEST-NET-1): the probe gives up after its timeout, or the network says unreachable.
  const r = await runAce(['worker', '--queue', 'redis://:secret@192.0.2.1:6379'], env);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ace: cannot reach Redis at redis:\/\/:\*\*\*@192\.0\.2\.1:6379: [^\n]+\n$/);
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});
