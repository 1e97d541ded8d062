// The experiment folder's parts in-process: status and ETA from hand-made job folders, Redis URLs and the probe against fake servers, the job lease, finding searches for the tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRuns } from '../../src/experiment/collect.js';
import { jobDir, prepareExperiment, writeStatus } from '../../src/experiment/job-folder.js';
import { acquireLease, LEASE_FILE } from '../../src/experiment/lease.js';
import { loadPlan } from '../../src/experiment/plan.js';
import { parseRedisUrl, probeRedis } from '../../src/experiment/redis.js';
import { experimentStatus, formatStatus } from '../../src/experiment/status.js';
import { SEARCH_RECORD_FORMAT } from '../../src/search/history.js';
import { UsageError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'ace-exp-folder-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that surely is not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function searchJson(dir: string, episodes: number, planned: number, finished: boolean): void {
  mkdirSync(dir, { recursive: true });
  const eps = Array.from({ length: episodes }, (_, i) => ({
    episode: i, selection: [true], probabilities: [0.5], devScore: 50 + i, reward: null, theta: [0], epochs: [], wallSeconds: 4,
  }));
  writeFileSync(join(dir, 'search.json'), JSON.stringify({
    format: SEARCH_RECORD_FORMAT, taskName: 'chunk', metricName: 'F1', strategy: 'ace', candidates: ['char'],
    options: { episodes: planned, epochsPerEpisode: 1, seed: 1 }, episodes: eps,
    final: finished ? { selection: [true], bestDevScore: 50 + episodes - 1, bestEpisode: episodes - 1, bestEpoch: 0, testScore: 40, probabilities: [0.6], ensemble: null, retrain: null } : null,
  }));
}

test('status: done, running, stalled and pending jobs, retries, and the ETA from finished jobs\' wall time per episode', () => {
  const plan = join(root, 'plan.yaml');
  writeFileSync(plan, 'name: st\ndatasets: [{ id: c, task: chunk, data: conll2000 }]\npools: { p: [char] }\nseeds: [1, 2, 3, 4]\nsearch: { episodes: 3 }\n');
  const out = join(root, 'status');
  prepareExperiment(loadPlan(plan), out);
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const me = { worker: 'w', host: hostname(), resumed: false };
  // s1 finished in 30 s for 3 episodes: 10 s per episode.
  searchJson(jobDir(out, 'c-ace-s1'), 3, 3, true);
  writeStatus(jobDir(out, 'c-ace-s1'), { state: 'done', attempts: [{ ...me, pid: 1, startedAt: at(0), endedAt: at(30), exitCode: 0, signal: null }] });
  // s2 runs (this very process stands in for its job process), one episode done.
  searchJson(jobDir(out, 'c-ace-s2'), 1, 3, false);
  writeStatus(jobDir(out, 'c-ace-s2'), { state: 'running', attempts: [{ ...me, pid: process.pid, startedAt: at(0) }] });
  // s3's second try lost its process: stalled, and retried.
  writeStatus(jobDir(out, 'c-ace-s3'), { state: 'running', attempts: [
    { ...me, pid: 1, startedAt: at(0), endedAt: at(5), exitCode: 1, signal: null },
    { ...me, pid: deadPid(), resumed: true, startedAt: at(6) },
  ] });
  const s = experimentStatus(out);
  assert.deepEqual(s.jobs.map((j) => j.state), ['done', 'running', 'stalled', 'pending']);
  assert.deepEqual(s.counts, { done: 1, running: 1, stalled: 1, retrying: 0, failed: 0, pending: 1 });
  assert.equal(s.retried, 1);
  assert.equal(s.secondsPerEpisode, 10);
  assert.equal(s.etaSeconds, (2 + 3 + 3) * 10); // episodes left over one running job
  const text = formatStatus(s);
  assert.match(text, /^experiment st · 4 jobs: 1 done, 1 running, 0 failed, 1 pending, 1 stalled · 1 retried · ETA 1m 20s\n/);
  assert.match(text, /c-ace-s1 +done +3\/3 +1 +52\.00 +30 s/);
  assert.match(text, /c-ace-s2 +running +1\/3 +1 +50\.00 +–/);
});

test('Redis URLs: host, port, database, credentials hidden in messages; anything else is a usage error', () => {
  const t = parseRedisUrl('redis://:s3cret@cache.lan:6380/2');
  assert.deepEqual([t.host, t.port, t.db, t.password, t.tls, t.display], ['cache.lan', 6380, 2, 's3cret', false, 'redis://:***@cache.lan:6380/2']);
  assert.deepEqual([parseRedisUrl('redis://h').port, parseRedisUrl('rediss://h').tls], [6379, true]);
  for (const bad of ['http://h:1', 'h:6379', 'redis://h/x']) assert.throws(() => parseRedisUrl(bad), UsageError);
});

async function fakeServer(onData: (socket: Socket, text: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => socket.on('data', (d) => onData(socket, d.toString())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { server, url: `redis://127.0.0.1:${port}` };
}

test('the probe: PONG passes, a Redis error or silence fails in one line naming the URL', async () => {
  const seen: string[] = [];
  const ok = await fakeServer((s, text) => {
    seen.push(text);
    s.write(text.includes('AUTH') ? '+OK\r\n+PONG\r\n' : '+PONG\r\n');
  });
  const refusing = await fakeServer((s) => s.write('-NOAUTH Authentication required.\r\n'));
  const silent = await fakeServer(() => {});
  try {
    await probeRedis(parseRedisUrl(ok.url));
    await probeRedis(parseRedisUrl(ok.url.replace('//', '//:pw@')));
    assert.match(seen.join(''), /\*2\r\n\$4\r\nAUTH\r\n\$2\r\npw\r\n\*1\r\n\$4\r\nPING\r\n/);
    await assert.rejects(probeRedis(parseRedisUrl(refusing.url)), (e: unknown) => e instanceof UsageError && e.message === `cannot reach Redis at ${refusing.url}: NOAUTH Authentication required.`);
    const t0 = Date.now();
    await assert.rejects(probeRedis(parseRedisUrl(silent.url), 300), (e: unknown) => e instanceof UsageError && e.message === `cannot reach Redis at ${silent.url}: no answer within 0.3 s`);
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    for (const s of [ok, refusing, silent]) s.server.close();
  }
});

test('the lease: a second runner waits for the holder; a dead holder on this host is taken over at once, another host\'s once it stops renewing', async () => {
  const dir = join(root, 'lease');
  mkdirSync(dir, { recursive: true });
  const first = await acquireLease(dir, 'one');
  let waited = '';
  let second = false;
  const pending = acquireLease(dir, 'two', { onWait: (h) => (waited = h.worker), pollMs: 20 }).then((l) => {
    second = true;
    return l;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(second, false);
  assert.equal(waited, 'one');
  first.release();
  (await pending).release();
  assert.equal(second, true);

  writeFileSync(join(dir, LEASE_FILE), JSON.stringify({ worker: 'gone', host: hostname(), pid: deadPid(), child: deadPid(), renewals: 3, renewedAt: new Date().toISOString() }));
  const t0 = Date.now();
  (await acquireLease(dir, 'three', { pollMs: 20 })).release();
  assert.ok(Date.now() - t0 < 100);

  // Another host renews for 300 ms, then goes quiet: taken over 200 ms after its last renewal, not before.
  let renewals = 0;
  const write = () => writeFileSync(join(dir, LEASE_FILE), JSON.stringify({ worker: 'far', host: 'elsewhere', pid: 1, child: 2, renewals: renewals++, renewedAt: 'x' }));
  write();
  const timer = setInterval(write, 50);
  setTimeout(() => clearInterval(timer), 300);
  const t1 = Date.now();
  (await acquireLease(dir, 'four', { staleMs: 200, pollMs: 20 })).release();
  assert.ok(Date.now() - t1 >= 450, `took over after ${Date.now() - t1} ms`);
});

test('the tables find every search folder under a root (not inside state/ or model/) and label it by job or saved command', () => {
  const tree = join(root, 'tree');
  searchJson(join(tree, 'plain'), 2, 2, true);
  writeFileSync(join(tree, 'plain', 'command.json'), JSON.stringify({ request: { task: 'chunk', data: 'conll2000' } }));
  searchJson(join(tree, 'exp', 'jobs', 'c-ace-s1'), 2, 2, true);
  writeFileSync(join(tree, 'exp', 'jobs', 'c-ace-s1', 'job.json'), JSON.stringify({ family: 'c', pool: 'p' }));
  searchJson(join(tree, 'plain', 'state', 'gen-000001'), 1, 2, false);
  searchJson(join(tree, 'bare'), 1, 2, false);
  const runs = collectRuns(tree);
  assert.deepEqual(runs.map((r) => [r.family, r.pool]), [['chunk', 'char'], ['c', 'p'], ['conll2000 · chunk', 'char']]);
});
