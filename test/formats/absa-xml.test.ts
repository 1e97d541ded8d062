// SemEval-2014 ABSA XML: byte-exact round trips of the data files, BIO view, predicted terms written back, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, dataSkip } from '../helpers/data-home.js';
import { absaToTagged, absaWithTerms, countAbsa, parseAbsa, readAbsa, serializeAbsa, termsFromTags, type AbsaSentence } from '../../src/formats/absa-xml.js';
import { tokenize } from '../../src/formats/tokenize.js';
import { InputError } from '../../src/util/errors.js';

const COUNTS: Record<string, [number, number]> = { 'Laptop_Train_v2.xml': [3045, 2358], 'Laptops_Test_Gold.xml': [800, 654] };

test('every ABSA .xml in semeval2014-laptop streams and re-serializes byte-identically; tags give back the terms', { skip: dataSkip() }, async () => {
  const dir = join(dataHome(), 'semeval2014-laptop');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : [];
  assert.ok(files.length >= 2);
  for (const f of files) {
    const file = join(dir, f);
    const sents: AbsaSentence[] = [];
    for await (const s of readAbsa(file)) sents.push(s);
    const bytes = readFileSync(file);
    assert.ok(Buffer.from(serializeAbsa(sents), 'utf8').equals(bytes), f);
    if (COUNTS[f]) assert.deepEqual(Object.values(countAbsa(sents)), COUNTS[f]);
    let misaligned = 0;
    for (const s of sents) {
      const tagged = absaToTagged(s);
      const back = termsFromTags(s, tagged.tags);
      const gold = [...new Map((s.terms ?? []).map((t) => [`${t.from}:${t.to}`, t])).values()].sort((a, b) => a.from - b.from);
      // Terms whose offsets fall inside a token (annotation glitches such as 'freesecuritysoftware') widen to the token.
      for (const g of gold) {
        const hit = back.find((b) => b.from < g.to && b.to > g.from)!;
        if (hit.from !== g.from || hit.to !== g.to) misaligned++;
      }
      assert.equal(back.length, gold.length, s.id);
      // Re-writing the gold terms (without polarity change) reproduces the element exactly.
      if (s.terms) assert.equal(serializeAbsa([absaWithTerms(s, s.terms)]), serializeAbsa([s]), s.id);
    }
    assert.ok(misaligned <= 3, `${f}: ${misaligned} terms not on token boundaries`);
  }
});

const DOC = '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<sentences>\r\n    <sentence id="7">\r\n        <text>The &quot;battery life&quot; &amp; screen are great.</text>\r\n    </sentence>\r\n</sentences>\r\n';

test('BOM + CRLF document; predicted spans are written with correct offsets in the file layout', () => {
  const [s] = parseAbsa(DOC, 'd.xml');
  assert.equal(serializeAbsa([s]), DOC);
  assert.equal(s.text, 'The "battery life" & screen are great.');
  const tagged = absaToTagged(s);
  assert.deepEqual(tagged.words, ['The', '"', 'battery', 'life', '"', '&', 'screen', 'are', 'great', '.']);
  const tags = ['O', 'O', 'B-ASP', 'I-ASP', 'O', 'O', 'B-ASP', 'O', 'O', 'O'];
  const terms = termsFromTags(s, tags);
  assert.deepEqual(terms, [{ term: 'battery life', from: 5, to: 17 }, { term: 'screen', from: 21, to: 27 }]);
  const out = serializeAbsa([absaWithTerms(s, terms)]);
  assert.equal(out, DOC.replace('</text>\r\n', '</text>\r\n        <aspectTerms>\r\n            <aspectTerm term="battery life" from="5" to="17"/>\r\n            <aspectTerm term="screen" from="21" to="27"/>\r\n        </aspectTerms>\r\n'));
  const [again] = parseAbsa(out, 'o.xml');
  assert.deepEqual(again.terms, terms);
  assert.equal(serializeAbsa([absaWithTerms(again, [])]), DOC);
});

test('tokenizer: offsets slice the input, deterministic rules', () => {
  const text = 'I paid $1,299.99 for the MacBook Pro... it\'s well-built (size/weight) 🙂!!';
  const toks = tokenize(text);
  for (const t of toks) assert.equal(text.slice(t.start, t.end), t.text);
  assert.deepEqual(toks.map((t) => t.text), ['I', 'paid', '$', '1', ',', '299.99', 'for', 'the', 'MacBook', 'Pro', '...', "it's", 'well', '-', 'built', '(', 'size', '/', 'weight', ')', '🙂', '!!']);
  assert.deepEqual(tokenize('  '), []);
});

test('errors: unterminated XML, offsets outside the text, term/offset mismatch, empty file', () => {
  const sent = (term: string, from: number, to: number): string => `<sentences>\n<sentence id="1">\n<text>good screen</text>\n<aspectTerms>\n<aspectTerm term="${term}" polarity="positive" from="${from}" to="${to}"/>\n</aspectTerms>\n</sentence>\n</sentences>\n`;
  const bad = (text: string, line: number | undefined, re: RegExp): void =>
    assert.throws(() => parseAbsa(text, 'a.xml'), (e: unknown) => e instanceof InputError && e.file === 'a.xml' && e.where === line && re.test(e.problem), `${re}`);
  assert.equal(parseAbsa(sent('screen', 5, 11), 'a.xml')[0].terms![0].term, 'screen');
  bad(sent('screen', 5, 40), 5, /outside the text/);
  bad(sent('screen', 4, 10), 5, /does not match the text at 4-10/);
  bad(sent('screen', 5, 11).slice(0, 60), 4, /unterminated XML: input ends inside start tag/);
  bad(sent('screen', 5, 11).slice(0, 55), 2, /unterminated XML: input ends inside element <sentence> opened at line 2/);
  bad('<sentences>\n<sentence id="1">\n<text>x</txt>\n</sentence></sentences>', 3, /does not match <text>/);
  bad('<sentences>\n<sentence id="1"><text>a &foo; b</text></sentence></sentences>', 2, /unknown entity/);
  bad('', undefined, /empty file/);
});
