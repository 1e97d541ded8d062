// Scoring a loaded tagger on a dataset split: what `ace eval --model` reports for a tagger bundle.
import { loadTagging } from '../../datasets/registry.js';
import { scoreAspectTags } from '../../formats/absa-xml.js';
import { formatAccuracyReport, tokenAccuracy } from '../../metrics/accuracy.js';
import { formatPerClassTable, tagClassTable } from '../../metrics/per-class.js';
import { conllevalScore, formatConllevalReport, formatTermReport } from '../../metrics/spans.js';
import type { EvalModelOptions } from '../shared/loaded-bundle.js';
import { predictSentences, type LoadedTagger } from './load.js';
import { isSpanTask } from './tagger.js';

/**
 * Tags a dataset split with a loaded tagger and scores it against the split's gold labels: the conlleval report
 * for span taggers (tags in the data's own scheme, as a prediction file would hold them), token accuracy for POS.
 */
export async function evalTagger(tagger: LoadedTagger, opts: EvalModelOptions): Promise<string> {
  const gold = await loadTagging(opts.dataHome, opts.data, opts.split);
  const pred = await predictSentences(tagger, gold);
  const goldTags = gold.map((s) => s.tags);
  const { task, scheme } = tagger.description;
  const terms = task === 'ae' && scheme !== 'none' ? scoreAspectTags(gold, pred, scheme) : null;
  if (terms !== null) return formatTermReport(terms);
  if (isSpanTask(task)) return formatConllevalReport(conllevalScore(goldTags, pred));
  const a = tokenAccuracy(goldTags, pred);
  return `${formatAccuracyReport(a.correct, a.total)}\nPer gold tag:\n${formatPerClassTable(tagClassTable(goldTags, pred))}`;
}
