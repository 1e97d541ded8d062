// How closely `ace predict --text` tokenizes like the training data: token-span F1 against UD English EWT and CoNLL-2003.
/*
 * Usage: npm run build && ACE_DATA_HOME=... node dist/bench/tokenizer-agreement.js [--hyphenated split|keep] [--old]
 *                                                                             [--errors 20] [--json]
 *
 * EWT: each sentence's `# text` comment is the raw text; it is tokenized by tokenizeText (src/formats/tokenize.ts)
 * and compared with the treebank's words (what a parser reads: do n't, multiword tokens split) and with its surface
 * tokens (multiword tokens whole, the CoNLL 2018 Tokens metric). CoNLL-2003 has no raw text: each sentence is
 * detokenized by simple rules (no space before closing punctuation and clitics, none after opening brackets and $,
 * straight double quotes alternately opening and closing) and tokenized back. F1 over token spans of the
 * non-space characters (src/metrics/token-spans.ts). --hyphenated keep joins hyphenated words as the PTB and CoNLL-2003
 * do (EWT splits them); --old measures the earlier rule-based tokenizer (tokenize, kept for ABSA offsets) instead.
 * --errors N prints the N most frequent disagreements.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConllu } from '../src/formats/conllu.js';
import { tokenize, tokenizeText, type Token } from '../src/formats/tokenize.js';
import { conlluTokenization, tokenAgreement, type TokenAgreement } from '../src/metrics/token-spans.js';

const home = process.env.ACE_DATA_HOME ?? join(process.env.HOME ?? '', '.local', 'share', 'ace-ts', 'data');

/** CoNLL-2003 sentences (words only), -DOCSTART- lines left out. */
function conll03(file: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const w = line.split(' ')[0] as string;
    if (line.trim() === '') {
      if (cur.length) out.push(cur);
      cur = [];
    } else if (w !== '-DOCSTART-') cur.push(w);
  }
  if (cur.length) out.push(cur);
  return out;
}

const NO_SPACE_BEFORE = /^(?:[,.;:!?%)\]}]|\.\.\.|'s|'S|n't|N'T|'re|'ve|'ll|'d|'m|'RE|'VE|'LL|'D|'M)$/;
const NO_SPACE_AFTER = /^[([{$]$/;

/** Words → a plausible raw sentence. */
export function detokenize(words: readonly string[]): string {
  let out = '';
  let quoteOpen = false;
  let glueNext = false;
  for (const w of words) {
    let space = out !== '' && !glueNext;
    if (NO_SPACE_BEFORE.test(w)) space = false;
    if (w === '"') {
      if (quoteOpen) space = false;
      quoteOpen = !quoteOpen;
      glueNext = quoteOpen;
    } else glueNext = NO_SPACE_AFTER.test(w);
    out += (space ? ' ' : '') + w;
  }
  return out;
}

interface Row {
  corpus: string;
  unit: string;
  sentences: number;
  r: TokenAgreement;
}

function main(): void {
  const { values } = parseArgs({
    options: { errors: { type: 'string', default: '0' }, json: { type: 'boolean', default: false }, hyphenated: { type: 'string', default: 'split' }, old: { type: 'boolean', default: false } },
  });
  const hyphenated = values.hyphenated;
  if (hyphenated !== 'split' && hyphenated !== 'keep') throw new Error(`--hyphenated must be split or keep, got ${hyphenated}`);
  const tok = (text: string): string[] => (values.old ? tokenize(text) : tokenizeText(text, { hyphenated })).map((t: Token) => t.text);
  const rows: Row[] = [];
  const errors = new Map<string, number>();
  const note = (gold: readonly string[], system: readonly string[]): void => {
    const g = gold.join(' ');
    const s = system.join(' ');
    if (g === s) return;
    // The first differing stretch, a few tokens wide.
    let i = 0;
    while (gold[i] !== undefined && gold[i] === system[i]) i++;
    const key = `${gold.slice(i, i + 3).join(' ')}  ⇒  ${system.slice(i, i + 3).join(' ')}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };
  for (const split of ['train', 'dev', 'test']) {
    const file = join(home, 'ud-english-ewt', `en_ewt-ud-${split}.conllu`);
    const sentences = parseConllu(readFileSync(file, 'utf8'), file, { validateTree: false, validateDeps: false }).map(conlluTokenization).filter((s) => s.text !== undefined);
    const system = sentences.map((s) => tok(s.text as string));
    if (split !== 'train') sentences.forEach((s, i) => note(s.words, system[i] as string[]));
    rows.push({ corpus: `EWT ${split}`, unit: 'words', sentences: sentences.length, r: tokenAgreement(sentences.map((s, i) => ({ gold: s.words, system: system[i] as string[] }))) });
    rows.push({ corpus: `EWT ${split}`, unit: 'tokens', sentences: sentences.length, r: tokenAgreement(sentences.map((s, i) => ({ gold: s.tokens, system: system[i] as string[] }))) });
  }
  for (const split of ['testa', 'testb']) {
    const sentences = conll03(join(home, 'conll2003-en', `eng.${split}`));
    const system = sentences.map((w) => tok(detokenize(w)));
    sentences.forEach((s, i) => note(s, system[i] as string[]));
    rows.push({ corpus: `CoNLL-03 ${split}`, unit: 'tokens', sentences: sentences.length, r: tokenAgreement(sentences.map((s, i) => ({ gold: s, system: system[i] as string[] }))) });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ bench: 'tokenizer-agreement', tokenizer: values.old ? 'tokenize' : 'tokenizeText', hyphenated, rows })}\n`);
    return;
  }
  const pct = (x: number): string => (100 * x).toFixed(2).padStart(7);
  console.log(`${values.old ? 'tokenize (the earlier rules)' : `tokenizeText (hyphenated words: ${hyphenated})`} against the treebanks' own tokenization (F1 over token spans of the non-space characters)`);
  console.log(`${'corpus'.padEnd(15)} ${'unit'.padEnd(6)} ${'sentences'.padStart(9)} ${'gold'.padStart(7)} ${'system'.padStart(7)} ${'P'.padStart(7)} ${'R'.padStart(7)} ${'F1'.padStart(7)} ${'differ'.padStart(6)}`);
  for (const { corpus, unit, sentences, r } of rows) {
    console.log(`${corpus.padEnd(15)} ${unit.padEnd(6)} ${String(sentences).padStart(9)} ${String(r.gold).padStart(7)} ${String(r.system).padStart(7)} ${pct(r.precision)} ${pct(r.recall)} ${pct(r.f1)} ${String(r.mismatched).padStart(6)}`);
  }
  const top = Number(values.errors);
  if (top > 0) {
    console.log(`\nmost frequent disagreements (EWT dev/test words, CoNLL-03), gold ⇒ ours:`);
    for (const [k, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(5)}  ${k}`);
  }
}

main();
