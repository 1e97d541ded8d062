// Test helper: how much memory a tree decoder takes beyond its scores, measured in a fresh child process.
import { spawnSync } from 'node:child_process';

/**
 * Runs `decoder` ('mst' or 'eisner', from this build's src/structs) on random float32 scores of a sentence of n words
 * in a child process and returns how far its peak RSS rose above the RSS it had with the scores filled in, in MiB.
 * A child of its own, so that no earlier test's peak hides the rise.
 */
export function decodePeakMib(decoder: 'mst' | 'eisner', n: number): number {
  const url = new URL(`../../src/structs/${decoder}.js`, import.meta.url).href;
  const script = `
    const m = await import(${JSON.stringify(url)});
    const n = ${n};
    const s = new Float32Array((n + 1) * (n + 1));
    let x = 12345;
    for (let i = 0; i < s.length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; s[i] = (x / 0x7fffffff) * 4; }
    const before = process.resourceUsage().maxRSS;
    const heads = m.${decoder}(s, n);
    const after = process.resourceUsage().maxRSS;
    process.stdout.write(JSON.stringify({ kib: after - before, root: heads.indexOf(0) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`decoder child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { kib: number }).kib / 1024;
}
