// Tests the install setup: npm runs without an unknown-config warning, and onnxruntime-node's install script, with
// the environment the quick start sets, downloads nothing (its CPU binaries ship in the package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from './helpers/data-home.js';

/** `export NAME=value` lines of the README's quick start block. */
function quickStartEnv(): Record<string, string> {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/^export (\w+)=(\S+)/gm)].map((m) => [m[1] as string, m[2] as string]));
}

test('npm reads this project without an unknown-config warning', () => {
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: repoRoot(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|cli|env|user) config/);
});

test("with the quick start's environment, onnxruntime-node's install script downloads nothing and its CPU binding loads", () => {
  const env = quickStartEnv();
  assert.equal(env.ONNXRUNTIME_NODE_INSTALL, 'skip');
  const ciRun = readFileSync(join(repoRoot(), '.ci', 'run'), 'utf8');
  assert.ok(ciRun.indexOf('export ONNXRUNTIME_NODE_INSTALL=skip') >= 0 && ciRun.indexOf('export ONNXRUNTIME_NODE_INSTALL=skip') < ciRun.indexOf('npm ci'), '.ci/run sets it before npm ci');
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('onnxruntime-node/package.json', { paths: [repoRoot()] }));
  // No proxy and an unroutable one: a download attempt would fail, not hang on the network.
  const offline = { ...process.env, ...env, HTTPS_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9' };
  const r = spawnSync(process.execPath, [join(pkgDir, 'script', 'install.js')], { cwd: pkgDir, env: offline, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');
  const load = spawnSync(process.execPath, ['-e', "require('onnxruntime-node'); process.stdout.write('ok')"], { cwd: repoRoot(), encoding: 'utf8' });
  assert.equal(load.stdout, 'ok', load.stderr);
});
