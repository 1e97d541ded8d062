// Runs the README's TypeScript example exactly as written (taken from README.md by its marker), against the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataHome, dataSkip, repoRoot } from './helpers/data-home.js';

const MARKER = '<!-- readme-api-example';

/** The code block that follows the marker in README.md. */
function readmeSnippet(): string {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, `README.md has no ${MARKER} marker`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, 'no ```ts block after the marker');
  return block[1] as string;
}

test("the README's TypeScript example runs as written, writes the report and prints candidate names", { skip: dataSkip() }, () => {
  const snippet = readmeSnippet();
  assert.match(snippet, /from 'ace-ts';/);
  const dir = mkdtempSync(join(tmpdir(), 'ace-readme-'));
  try {
    // The one change: the package name resolves to this checkout's build.
    const file = join(dir, 'example.mjs');
    writeFileSync(file, snippet.replace(/from 'ace-ts';/, `from ${JSON.stringify(join(repoRoot(), 'dist', 'src', 'index.js'))};`));
    const r = spawnSync(process.execPath, [file], {
      cwd: dir, encoding: 'utf8', timeout: 600_000,
      env: { ...process.env, ACE_DATA_HOME: dataHome(), ACE_CACHE_DIR: join(dir, 'cache'), OPENBLAS_NUM_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const m = /^selection: ((?:glove|char|casing)(?: \+ (?:glove|char|casing))*) · dev F1 \d+\.\d\d · report (\S+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(existsSync(join(dir, m[2] as string)), `no report at ${m[2]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
