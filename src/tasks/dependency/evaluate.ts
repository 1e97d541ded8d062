// Scoring a loaded parser on a dataset split: what `ace eval --model` reports for a parser bundle.
import { loadGraphs, loadTrees } from '../../datasets/registry.js';
import { attachmentScores, excludeGoldPunct, formatConll18Rows } from '../../metrics/attachment.js';
import { formatFixedC } from '../../metrics/fixed-format.js';
import { enhancedScores, formatEnhancedRows, formatSdpBlock, sdpScores } from '../../metrics/graph.js';
import { arcLabelClassTable, formatPerClassTable, relationClassTable } from '../../metrics/per-class.js';
import type { EvalModelOptions } from '../shared/loaded-bundle.js';
import { predictParses, type LoadedParser } from './load.js';

/**
 * Parses a dataset split with a loaded parser and scores it as the files' official scorers would: trees get the
 * CoNLL 2018 UAS/LAS rows (plus the PUNCT-free line), SDP graphs the LF blocks with and without tops, enhanced UD ELAS.
 */
export async function evalParser(parser: LoadedParser, opts: EvalModelOptions): Promise<string> {
  if (parser.description.kind === 'dependency') {
    const gold = await loadTrees(opts.dataHome, opts.data, opts.split);
    const parses = await predictParses(parser, gold);
    if (parses.kind !== 'dependency') throw new Error('a dependency model returned graphs');
    const official = attachmentScores(gold, parses.trees);
    const upos = gold.map((t) => t.features?.upos);
    let out = formatConll18Rows(official);
    if (upos.every((u) => u !== undefined)) {
      const noPunct = attachmentScores(gold, parses.trees, excludeGoldPunct(upos as string[][]));
      const pct = (x: number): string => formatFixedC(100 * x, 2);
      out += `\nExcluding words with gold UPOS PUNCT (${noPunct.words} of ${official.words} words): UAS ${pct(noPunct.uas)}  LAS ${pct(noPunct.las)}\n`;
    }
    return `${out}\nPer gold relation:\n${formatPerClassTable(relationClassTable(gold, parses.trees))}`;
  }
  const gold = await loadGraphs(opts.dataHome, opts.data, opts.split);
  const parses = await predictParses(parser, gold);
  if (parses.kind !== 'graph') throw new Error('a graph model returned trees');
  const labels = `\nPer arc label:\n${formatPerClassTable(arcLabelClassTable(gold, parses.graphs))}`;
  if (parser.graphMetric === 'ELAS') return formatEnhancedRows(enhancedScores(gold, parses.graphs)) + labels;
  return [true, false].map((includeTop) => formatSdpBlock(sdpScores(gold, parses.graphs, { includeTop }), includeTop, gold.length)).join('\n') + labels;
}
