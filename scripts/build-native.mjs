// Install hook: builds native/build/Release/ace_native.node with node-gyp; a failure is one warning and exit 0, or exit 1 where required.
// Why not fail for users: ace-ts works without the addon (the TypeScript backend takes over), so `npm install` must
// not break on a machine without a C compiler or BLAS. Why fail in CI: a green run with no native coverage hides a
// broken build, and the CI machine installs OpenBLAS.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'ace_native.node');
const logPath = join(nativeDir, 'build-native.log');
const verbose = process.env.ACE_NATIVE_VERBOSE === '1';

/**
 * A failed build fails the install when ACE_REQUIRE_NATIVE=1, or when CI=true in a checkout of ace-ts itself (not when
 * ace-ts is being installed as a dependency under node_modules, where CI=true says nothing about BLAS).
 * ACE_REQUIRE_NATIVE=0 never fails. test/helpers/backends.ts applies the same rule to the native tests.
 */
function nativeRequired(env) {
  if (env.ACE_REQUIRE_NATIVE === '0') return false;
  if (env.ACE_REQUIRE_NATIVE === '1') return true;
  return env.CI === 'true' && !root.split(/[\\/]/).includes('node_modules');
}

function warn(problem) {
  if (nativeRequired(process.env)) {
    const why = process.env.ACE_REQUIRE_NATIVE === '1' ? 'ACE_REQUIRE_NATIVE=1' : 'CI=true';
    process.stderr.write(`ace-ts: native addon not built (${problem}), and ${why} requires it. Details: ${logPath}\n`);
    process.exit(1);
  }
  process.stderr.write(`ace-ts: native addon not built (${problem}); using the TypeScript backend. Details: ${logPath}\n`);
  process.exit(0);
}

/** node-gyp as npm ships it: npm passes its path to lifecycle scripts; otherwise look beside npm itself. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/** Headers installed beside node (system packages, official tarballs) spare node-gyp a download, which may be offline. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const dir = resolve(dirname(process.execPath), '..');
  return existsSync(join(dir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${dir}`] : [];
}

function run(args, log) {
  const r = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', stdio: verbose ? 'inherit' : 'pipe' });
  log.push(`$ node ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}\nexit ${r.status}\n`);
  return r.status === 0;
}

function main() {
  if (process.env.ACE_SKIP_NATIVE === '1') {
    process.stderr.write('ace-ts: ACE_SKIP_NATIVE=1, native addon not built; using the TypeScript backend.\n');
    return;
  }
  if (!existsSync(join(nativeDir, 'binding.gyp'))) warn('native/binding.gyp missing');
  const gyp = findNodeGyp();
  if (!gyp) warn('node-gyp not found');
  const log = [];
  // OpenBLAS first (threads, identity); then the generic system CBLAS.
  const attempts = process.platform === 'darwin' ? [[]] : [[], ['--', '-Dblas_libs=-lcblas'], ['--', '-Dblas_libs=-lblas']];
  let built = false;
  for (const extra of attempts) {
    if (run([gyp, 'rebuild', ...nodedirArgs(), ...extra], log)) {
      built = true;
      break;
    }
  }
  try {
    writeFileSync(logPath, log.join('\n'));
  } catch {
    // A read-only tree is no reason to fail the install.
  }
  if (!built) warn('node-gyp failed; is a C compiler and libopenblas-dev (or another CBLAS) installed?');
  // A link that succeeds can still fail to load (missing shared library at run time): check now, not on first use.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonPath)})`], { encoding: 'utf8' });
  if (probe.status !== 0) warn(`built but does not load: ${(probe.stderr || '').trim().split('\n')[0]}`);
  process.stderr.write(`ace-ts: native addon built (${addonPath}).\n`);
}

main();
