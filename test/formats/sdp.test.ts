// SDP 2015: byte-exact round trip of every .sdp file in the data home, counts, graph view and back, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { SDP_TOP_LABEL, countSdp, parseSdp, readSdp, sdpToGraph, sdpWithGraph, serializeSdp, type SdpSentence } from '../../src/formats/sdp.js';
import { InputError } from '../../src/util/errors.js';

for (const [fw, arcs] of [['dm', 1478], ['psd', 1257]] as const) {
  test(`sdp-sample/${fw}/wsj.sdp: stream + re-serialize is byte-identical; graph view round-trips`, { skip: dataSkip() }, async () => {
    const file = join(dataHome(), 'sdp-sample', fw, 'wsj.sdp');
    const sents: SdpSentence[] = [];
    for await (const s of readSdp(file)) sents.push(s);
    assert.ok(Buffer.from(serializeSdp(sents), 'utf8').equals(readFileSync(file)));
    const c = countSdp(sents);
    assert.deepEqual([c.sentences, c.tokens, c.arcs], [89, 1968, arcs]);
    let lonePreds = 0;
    let graphArcs = 0;
    for (const s of sents) {
      const g = sdpToGraph(s);
      graphArcs += g.arcs.filter((a) => a.head !== 0).length;
      const back = sdpWithGraph(s, g.arcs);
      // A predicate without arguments cannot be told apart from a non-predicate in the graph view.
      const lone = s.rows.filter((r, i) => r[5] === '+' && !g.arcs.some((a) => a.head === i + 1)).length;
      if (lone === 0) assert.deepEqual(back, s, s.id);
      else lonePreds += lone;
      assert.deepEqual(sdpToGraph(back).arcs.sort((a, b) => a.dep - b.dep || a.head - b.head), g.arcs.sort((a, b) => a.dep - b.dep || a.head - b.head));
    }
    assert.equal(graphArcs, arcs);
    assert.equal(lonePreds, 0);
  });
}

test('hand-made sentence: arcs are predicate -> argument, TOP is a head-0 root arc', () => {
  const text = '#SDP 2015\n#1\n1\tA\ta\tN\t-\t+\tf\t_\t_\n2\tB\tb\tV\t+\t+\tg\tARG1\t_\n3\tC\tc\tN\t-\t-\t_\t_\tARG2\n';
  const [s] = parseSdp(text, 'h.sdp');
  assert.deepEqual(sdpToGraph(s).arcs, [{ dep: 2, head: 0, label: SDP_TOP_LABEL }, { dep: 2, head: 1, label: 'ARG1' }, { dep: 3, head: 2, label: 'ARG2' }]);
  const pred = sdpWithGraph(s, [{ dep: 1, head: 2, label: 'X' }]);
  assert.equal(serializeSdp([pred]), '#SDP 2015\n#1\n1\tA\ta\tN\t-\t-\tf\tX\n2\tB\tb\tV\t-\t+\tg\t_\n3\tC\tc\tN\t-\t-\t_\t_\n');
});

test('errors name file and line', () => {
  const bad = (text: string, line: number, re: RegExp): void =>
    assert.throws(() => parseSdp(text, 'b.sdp'), (e: unknown) => e instanceof InputError && e.file === 'b.sdp' && e.where === line && re.test(e.problem), `${re}`);
  bad('#1\n1\tA\ta\tN\t-\t-\t_\n', 1, /#SDP 2015/);
  bad('#SDP 2015\n#1\n1\tA\ta\tN\t-\t+\tf\n', 3, /1 predicates, so 8 columns/);
  bad('#SDP 2015\n#1\n1\tA\ta\tN\t-\t-\t_\n3\tA\ta\tN\t-\t-\t_\n', 4, /out of sequence/);
  bad('#SDP 2015\n#1\n1\tA\ta\tN\t?\t-\t_\n', 3, /TOP and PRED/);
  assert.throws(() => parseSdp('', 'e.sdp'), (e: unknown) => e instanceof InputError && /empty file/.test(e.problem));
});
