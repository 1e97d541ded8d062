// Failed tries of local jobs: each retry resumes the last, the job ends marked failed, and the next run of the plan tries it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataSkip } from '../helpers/data-home.js';
import type { JobStatus } from '../../src/experiment/job-folder.js';
import { aceEnv, readJsonFile, runAce } from './processes.js';

const skip = dataSkip();
const root = mkdtempSync(join(tmpdir(), 'ace-exp-fail-'));
const env = aceEnv(join(root, 'cache'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const status = (dir: string): JobStatus => readJsonFile<JobStatus>(join(dir, 'status.json'));

test('a job that fails is tried --attempts times, each try resuming the last, then marked failed; running the plan again tries it again', { skip }, async () => {
  const plan = join(root, 'bad.yaml');
  writeFileSync(plan, 'datasets: [{ id: chunk, task: chunk, data: conll2000 }]\npools: { p: [casing, nosuch] }\nsearch: { episodes: 1, limit: 10, hidden: 16 }\n');
  const out = join(root, 'bad');
  const job = join(out, 'jobs', 'chunk-ace-s1');
  const r = await runAce(['experiment', plan, '--out', out, '--attempts', '2'], env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /job chunk-ace-s1: ace search exited with code 2; see .*job\.log; try 2 of 2 follows/);
  assert.match(r.stderr, /0 done, 0 already finished, 1 failed: chunk-ace-s1\n$/);
  const s = status(job);
  assert.equal(s.state, 'failed');
  // A run refused before its first epoch leaves no folder behind (no command.json), so the retry starts afresh.
  assert.deepEqual(s.attempts.map((a) => [a.resumed, a.exitCode]), [[false, 2], [false, 2]]);
  assert.equal((readFileSync(join(job, 'job.log'), 'utf8').match(/ace: unknown candidate "nosuch"/g) ?? []).length, 2);
  const st = await runAce(['experiment', 'status', out], env);
  assert.match(st.stdout, /1 job: 0 done, 0 running, 1 failed, 0 pending · 1 retried/);
  const again = await runAce(['experiment', plan, '--out', out, '--attempts', '1'], env);
  assert.equal(again.code, 1);
  assert.equal(status(job).attempts.length, 3);
});
