// `ace experiment --workers N` with no Redis: jobs on local processes, a second run skips finished jobs, status, tables, and kill -9 of the runner resumed to the same result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataSkip } from '../helpers/data-home.js';
import type { JobStatus } from '../../src/experiment/job-folder.js';
import { aceEnv, alive, assertSameResult, committed, readJsonFile, runAce, searchFinished, startAce, waitFor, writeTinyPlan } from './processes.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-exp-local-'));
const env = aceEnv(join(root, 'cache'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const status = (dir: string): JobStatus => readJsonFile<JobStatus>(join(dir, 'status.json'));

test('--workers 2 runs a plan with no server; a second run skips it; status and report --table read the folder', { skip }, async () => {
  const plan = writeTinyPlan(join(root, 'plan.yaml'), { strategies: ['ace', 'random'], seeds: [1, 2], episodes: 2, limit: 30 });
  const out = join(root, 'exp');
  const first = await runAce(['experiment', plan, '--out', out, '--workers', '2'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /4 done, 0 already finished, 0 failed/);
  const ids = ['chunk-ace-s1', 'chunk-ace-s2', 'chunk-random-s1', 'chunk-random-s2'];
  const attempts = ids.map((id) => {
    const s = status(join(out, 'jobs', id));
    assert.equal(s.state, 'done');
    assert.equal(s.attempts.length, 1);
    const search = readJsonFile<{ final: unknown; options: { seed: number; strategy: string } }>(join(out, 'jobs', id, 'search.json'));
    assert.notEqual(search.final, null);
    assert.equal(`chunk-${search.options.strategy}-s${search.options.seed}`, id);
    return s.attempts[0];
  });
  // Two lanes: the first two jobs started before either ended.
  const firstEnd = Math.min(...attempts.map((a) => Date.parse(a.endedAt!)));
  assert.equal(attempts.filter((a) => Date.parse(a.startedAt) < firstEnd).length, 2);
  const log = readFileSync(join(out, 'jobs', 'chunk-random-s2', 'job.log'), 'utf8');
  assert.match(log, /ace search --task chunk --data conll2000 --candidates casing,char --baseline random --seed 2 .*--threads 1/);
  assert.match(log, /ace: best dev F1/);

  const again = await runAce(['experiment', plan, '--out', out, '--workers', '2'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /4 jobs, 4 finished already, 0 to run/);
  for (const id of ids) assert.equal(status(join(out, 'jobs', id)).attempts.length, 1);

  const st = await runAce(['experiment', 'status', out], env);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /^experiment tiny · 4 jobs: 4 done, 0 running, 0 failed, 0 pending · 0 retried · nothing left\n/);
  assert.match(st.stdout, /chunk-random-s1 +done +2\/2 +1 /);

  const table = await runAce(['report', '--table', out], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /### chunk \(F1\)/);
  assert.match(table.stdout, /\| ACE \| 2 \| \d+\.\d\d ± \d+\.\d\d \|/);
  assert.match(table.stdout, /\| RANDOM \| 2 \|/);
  assert.match(readFileSync(join(out, 'table.html'), 'utf8'), /data-series="RANDOM s2"/);
});

test('kill -9 of a local `ace experiment` mid-job takes its job process along; the next run resumes it to the same result as an uninterrupted run', { skip }, async () => {
  const plan = writeTinyPlan(join(root, 'long.yaml'), { strategies: ['ace'], seeds: [3], episodes: 3, epochsPerEpisode: 2, limit: 80 });
  const whole = join(root, 'whole');
  const ref = await runAce(['experiment', plan, '--out', whole], env);
  assert.equal(ref.code, 0, ref.stderr);

  const cut = join(root, 'cut');
  mkdirSync(cut);
  const job = join(cut, 'jobs', 'chunk-ace-s3');
  const runner = startAce(['experiment', plan, '--out', cut], env);
  await waitFor(() => committed(job, 2), 60_000, 'two committed epochs');
  runner.child.kill('SIGKILL');
  await runner.exited;
  assert.equal(searchFinished(job), false, 'the job finished before the kill');
  const child = status(job).attempts[0].pid!;
  await waitFor(() => !alive(child), 2000, 'the orphaned job process to end');
  const st = await runAce(['experiment', 'status', cut], env);
  assert.match(st.stdout, /^experiment tiny · 1 job: 0 done, 0 running, 0 failed, 0 pending, 1 stalled · 0 retried · ETA /);
  assert.match(st.stdout, /chunk-ace-s3 +stalled /);

  const resumed = await runAce(['experiment', plan, '--out', cut], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = status(job);
  assert.equal(s.state, 'done');
  assert.deepEqual(s.attempts.map((a) => a.resumed), [false, true]);
  assert.match(readFileSync(join(job, 'search.log.jsonl'), 'utf8'), /"resumedAt":\{"episode":\d+,"epoch":\d+\}/);
  assertSameResult(join(whole, 'jobs', 'chunk-ace-s3'), job);
  const after = await runAce(['experiment', 'status', cut], env);
  assert.match(after.stdout, /1 done, 0 running, 0 failed, 0 pending · 1 retried · nothing left/);
});
