// Tests that `ace train --task dep` refuses a CoNLL-U file without heads (HEAD `_`), naming file and line, instead of
// training to LAS 0 with exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasStack, runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'ace-heads-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test("ace train --task dep on a file whose HEAD column is '_' fails naming the file and line", () => {
  const rows = (words: string[]): string => words.map((w, i) => `${i + 1}\t${w}\t_\tNOUN\t_\t_\t_\t_\t_\t_`).join('\n');
  const sentences = Array.from({ length: 20 }, (_, k) => `# sent_id = s${k}\n${rows(['dogs', 'bark', `loudly${k}`])}\n`);
  const file = join(root, 'no-heads.conllu');
  writeFileSync(file, sentences.join('\n'));
  const out = join(root, 'run');
  const r = runCli(['train', '--task', 'dep', '--data', file, '--embeddings', 'casing', '--epochs', '1', '--hidden', '8', '--no-progress', '--out', out], {
    env: { ACE_CACHE_DIR: join(root, 'cache') },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStack(r.stderr), r.stderr);
  assert.match(r.stderr, new RegExp(`^ace: ${file.replace(/[.]/g, '\\.')}:2: word 1 'dogs' has no HEAD`, 'm'));
  assert.ok(!existsSync(out));
});
