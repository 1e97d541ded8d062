// Tests SDP LF/UF with and without top arcs and IWPT ELAS/EULAS on hand-computed graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enhancedScores, formatEnhancedRows, formatSdpBlock, sdpScores, universalEnhancedLabel } from '../../src/metrics/graph.js';

const arc = (dep: number, head: number, label: string) => ({ dep, head, label });

// Gold: top node 2; 2 -ARG1-> 1, 2 -ARG2-> 3, 3 -BV-> 1 (a reentrant word).
const gold = [{ arcs: [arc(2, 0, 'top'), arc(1, 2, 'ARG1'), arc(3, 2, 'ARG2'), arc(1, 3, 'BV')] }];
// Pred: top node 2 (labelled differently, which must not matter), 2 -ARG2-> 1 (label wrong),
// 2 -ARG2-> 3 (right), 1 -BV-> 3 (direction wrong), duplicate of the right arc (a set counts it once).
const pred = [{ arcs: [arc(2, 0, 'ROOT'), arc(1, 2, 'ARG2'), arc(3, 2, 'ARG2'), arc(3, 1, 'BV'), arc(3, 2, 'ARG2')] }];

test('SDP with top arcs: the top is a virtual arc matched on position alone', () => {
  const r = sdpScores(gold, pred, { includeTop: true });
  // Labelled: gold 4 arcs, pred set 4 arcs; common: top, 2-ARG2->3 = 2.
  assert.deepEqual([r.labeled.gold, r.labeled.predicted, r.labeled.correct], [4, 4, 2]);
  assert.equal(r.labeled.f1, 0.5);
  // Unlabelled: common top, 2->1, 2->3 = 3.
  assert.deepEqual([r.unlabeled.gold, r.unlabeled.predicted, r.unlabeled.correct], [4, 4, 3]);
  assert.equal(r.unlabeled.f1, 0.75);
  assert.deepEqual([r.labeledExactMatch, r.unlabeledExactMatch], [0, 0]);
});

test('SDP without top arcs', () => {
  const r = sdpScores(gold, pred, { includeTop: false });
  assert.deepEqual([r.labeled.gold, r.labeled.predicted, r.labeled.correct], [3, 3, 1]);
  assert.deepEqual([r.unlabeled.gold, r.unlabeled.predicted, r.unlabeled.correct], [3, 3, 2]);
  // A wrong top changes only the with-top score.
  const wrongTop = [{ arcs: [arc(3, 0, 'top'), ...gold[0]!.arcs.slice(1)] }];
  assert.equal(sdpScores(gold, wrongTop, { includeTop: false }).labeled.f1, 1);
  assert.equal(sdpScores(gold, wrongTop, { includeTop: false }).labeledExactMatch, 1);
  assert.equal(sdpScores(gold, wrongTop).labeled.correct, 3);
});

test('SDP empty prediction scores 0 and prints NaN like the Java scorer', () => {
  const r = sdpScores(gold, [{ arcs: [] }]);
  assert.deepEqual([r.labeled.precision, r.labeled.recall, r.labeled.f1], [0, 0, 0]);
  const text = formatSdpBlock(r, true, 1);
  assert.match(text, /^LP: NaN$/m);
  assert.match(text, /^LR: 0\.000000$/m);
  assert.match(text, /^LF: NaN$/m);
});

test('SDP block layout', () => {
  const r = sdpScores(gold, pred);
  assert.equal(
    formatSdpBlock(r, true, 1),
    '## Scores including virtual dependencies to top nodes\n\n' +
      'Number of edges in gold standard: 4\nNumber of edges in system output: 4\n' +
      'Number of edges in common, labeled: 2\nNumber of edges in common, unlabeled: 3\n\n' +
      '### Labeled scores\n\nLP: 0.500000\nLR: 0.500000\nLF: 0.500000\nLM: 0.000000\n\n' +
      '### Unlabeled scores\n\nUP: 0.750000\nUR: 0.750000\nUF: 0.750000\nUM: 0.000000\n',
  );
});

test('universal part of enhanced labels, per step of a collapsed path', () => {
  assert.equal(universalEnhancedLabel('obl:in'), 'obl');
  assert.equal(universalEnhancedLabel('conj:and>obl:in'), 'conj>obl');
  assert.equal(universalEnhancedLabel('root'), 'root');
});

test('ELAS uses full labels, EULAS universal parts; root arcs count', () => {
  const g = [{ arcs: [arc(1, 2, 'nsubj:pass'), arc(1, 4, 'nsubj:xsubj'), arc(2, 0, 'root'), arc(3, 2, 'obl:in'), arc(4, 2, 'xcomp')] }];
  const p = [{ arcs: [arc(1, 2, 'nsubj'), arc(1, 4, 'nsubj:xsubj'), arc(2, 0, 'root'), arc(3, 2, 'obl:on'), arc(4, 3, 'xcomp')] }];
  const r = enhancedScores(g, p);
  // ELAS: 1<-4 nsubj:xsubj, root = 2 of 5/5. EULAS adds 1<-2 nsubj and 3<-2 obl = 4.
  assert.deepEqual([r.elas.gold, r.elas.predicted, r.elas.correct], [5, 5, 2]);
  assert.deepEqual([r.eulas.correct], [4]);
  assert.equal(r.elas.f1, 0.4);
  assert.equal(r.eulas.f1, 0.8);
  assert.equal(
    formatEnhancedRows(r),
    'Metric     | Precision |    Recall |  F1 Score | AligndAcc\n' +
      '-----------+-----------+-----------+-----------+-----------\n' +
      'ELAS       |     40.00 |     40.00 |     40.00 |\n' +
      'EULAS      |     80.00 |     80.00 |     80.00 |\n',
  );
});

test('IWPT counting: pairs per word, so under EULAS one gold entry may match two predicted ones', () => {
  const g = [{ arcs: [arc(3, 2, 'obl:in')] }];
  const p = [{ arcs: [arc(3, 2, 'obl:in'), arc(3, 2, 'obl:on')] }];
  const r = enhancedScores(g, p);
  assert.deepEqual([r.elas.correct, r.eulas.correct, r.elas.gold, r.elas.predicted], [1, 2, 1, 2]);
  assert.equal(r.elas.f1, 2 / 3); // 2*1/(1+2), the script's formula
  const none = enhancedScores(g, [{ arcs: [] }]);
  assert.deepEqual([none.elas.precision, none.elas.recall, none.elas.f1], [0, 0, 0]);
  assert.throws(() => enhancedScores(g, []), /gold has 1 sentences, prediction has 0/);
});
