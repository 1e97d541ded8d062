// The CoNLL 2017/2018 UD evaluation script's own test files (github.com/ufal/conll2017 and ufal/conll2018,
// evaluation_script/tests/), written out as fixtures: tiny hand-made fragments with their expected scores.

/** Lines joined as a file (each sentence ends with a blank line). */
const file = (lines: readonly string[]): string => `${lines.join('\n')}\n`;

/** ufal/conll2017 evaluation_script/tests/gold.conllu (commit e198636d), the gold file of the 2018 scorer tests. */
export const GOLD = file([
  "# sent_id = 1",
  "# text = Hey, Mr. Tambourine man, play a song for me",
  "1\tHey\they\tINTJ\tUH\t_\t3\tdiscourse\t_\tSpaceAfter=No",
  "2\t,\t,\tPUNCT\t,\t_\t3\tpunct\t_\t_",
  "3\tMr.\tMr.\tPROPN\tNNP\tNumber=Sing\t0\troot\t_\t_",
  "4\tTambourine\tTambourine\tPROPN\tNNP\tNumber=Sing\t3\tflat\t_\t_",
  "5\tman\tman\tNOUN\tNN\tNumber=Sing\t3\tflat\t_\tSpaceAfter=No",
  "6\t,\t,\tPUNCT\t,\t_\t5\tpunct\t_\t_",
  "7\tplay\tplay\tVERB\tVB\tVerbForm=Inf\t3\tparataxis\t_\t_",
  "8\ta\ta\tDET\tDT\tDefinite=Ind|PronType=Art\t9\tdet\t_\t_",
  "9\tsong\tsong\tNOUN\tNN\tNumber=Sing\t7\tobj\t_\t_",
  "10\tfor\tfor\tADP\tIN\t_\t11\tcase\t_\t_",
  "11\tme\tI\tPRON\tPRP\tCase=Acc|Number=Sing|Person=1|PronType=Prs\t7\tnmod\t_\t_",
  "",
  "# sent_id = 2",
  "# text = I'm not sleepy",
  "1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t4\tnsubj\t_\tSpaceAfter=No",
  "2\t'm\tbe\tAUX\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t4\tcop\t_\t_",
  "3\tnot\tnot\tPART\tRB\t_\t4\tadvmod:neg\t_\t_",
  "4\tsleepy\tsleepy\tNOUN\tNN\tNumber=Sing\t0\troot\t_\t_",
  '',
]);

/** ufal/conll2017 evaluation_script/tests/sys1.conllu (commit 69efda1e). */
export const SYS1 = file([
  "# sent_id = 1",
  "# text = Hey, Mr. Tambourine man, play a song for me",
  "1\tHey,\they\tINTJ\tUH\t_\t2\tdiscourse\t_\tSpaceAfter=No",
  "2\tMr.\tMr.\tPROPN\tNNP\tNumber=Sing\t0\troot\t_\t_",
  "3\tTambourine\tTambourine\tPROPN\tNNP\tNumber=Sing\t2\tflat:name\t_\t_",
  "4\tman\tman\tNOUN\tNN\tNumber=Sing\t2\tflat\t_\tSpaceAfter=No",
  "5\t,\t,\tPUNCT\t,\t_\t4\tpunct\t_\t_",
  "6\tplay\tplay\tVERB\tVB\tVerbForm=Inf\t2\tparataxis\t_\t_",
  "7\ta\ta\tDET\tDT\tDefinite=Ind|PronType=Art\t8\tdet\t_\t_",
  "8\tsong\tsong\tNOUN\tNN\tNumber=Sing\t6\tobj\t_\t_",
  "9\tfor\tfor\tADP\tIN\t_\t10\tcase\t_\t_",
  "10\tme\tI\tPRON\tPRP\tCase=Acc|Number=Sing|Person=1|PronType=Prs\t6\tnmod\t_\t_",
  "",
  "# sent_id = 2",
  "# text = I'm not sleepy",
  "1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_",
  "1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t4\tnsubj\t_\t_",
  "2\t'm\tbe\tAUX\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t4\tcop\t_\t_",
  "3\tnot\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_",
  "4\tsleepy\tsleepy\tNOUN\tNN\tNumber=Sing\t0\troot\t_\t_",
  '',
]);

/** ufal/conll2017 evaluation_script/tests/sys2.conllu (commit e198636d). */
export const SYS2 = file([
  "# sent_id = 1",
  "# text = Hey, Mr.",
  "1\tHey\they\tINTJ\tUH\t_\t3\tdiscourse\t_\tSpaceAfter=No",
  "2\t,\t,\tPUNCT\t,\t_\t3\tpunct\t_\t_",
  "3\tMr.\tMr.\tPROPN\tNNP\tNumber=Sing\t0\troot\t_\t_",
  "",
  "# sent_id = 2",
  "# text = Tambourine man, play a song for me",
  "1\tTambourine\tTambourine\tNUM\tCD\tNumType=Card\t2\tnummod\t_\t_",
  "2\tman\tman\tNOUN\tNN\tNumber=Sing\t0\troot\t_\tSpaceAfter=No",
  "3\t,\t,\tPUNCT\t,\t_\t2\tpunct\t_\t_",
  "4\tplay\tplay\tVERB\tVB\tVerbForm=Inf\t2\tappos\t_\t_",
  "5\ta\ta\tDET\tDT\tDefinite=Ind|PronType=Art\t6\tdet\t_\t_",
  "6\tsong\tsong\tNOUN\tNN\tNumber=Sing\t4\tobj\t_\t_",
  "7\tfor\tfor\tADP\tIN\t_\t8\tcase\t_\t_",
  "8\tme\tI\tPRON\tPRP\tCase=Acc|Number=Sing|Person=1|PronType=Prs\t4\tnmod\t_\t_",
  "",
  "# sent_id = 3",
  "# text = I'm not sleepy",
  "1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_",
  "1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t4\tnsubj\t_\t_",
  "2\tam\tbe\tVERB\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t4\tcop\t_\t_",
  "3\tnot\tnot\tPART\tRB\t_\t4\tadvmod:unexisting-subtype\t_\t_",
  "4\tsleepy\tsleepy\tNOUN\tNN\tNumber=Sing\t0\troot\t_\t_",
  '',
]);

/** ufal/conll2018 evaluation_script/tests/sys-space.conllu (commit c0c6c58d). */
export const SYS_SPACE = file([
  "# sent_id = 1",
  "# text = Hey, Mr. Tambourine man, play a song for me",
  "1\tHey\they\tINTJ\tUH\t_\t3\tdiscourse\t_\tSpaceAfter=No",
  "2\t,\t,\tPUNCT\t,\t_\t3\tpunct\t_\t_",
  "3\tMr.\tMr.\tPROPN\tNNP\tNumber=Sing\t0\troot\t_\t_",
  "4\tTambourine\tTambourine\tPROPN\tNNP\tNumber=Sing\t3\tflat\t_\t_",
  "5\tman\tman\tNOUN\tNN\tNumber=Sing\t3\tflat\t_\tSpaceAfter=No",
  "6\t,\t,\tPUNCT\t,\t_\t5\tpunct\t_\t_",
  "7\tplay\tplay\tVERB\tVB\tVerbForm=Inf\t3\tparataxis\t_\t_",
  "8\ta\ta\tDET\tDT\tDefinite=Ind|PronType=Art\t9\tdet\t_\t_",
  "9\tsong\tsong\tNOUN\tNN\tNumber=Sing\t7\tobj\t_\t_",
  "10\tfor\tfor\tADP\tIN\t_\t11\tcase\t_\t_",
  "11\tme\tI\tPRON\tPRP\tCase=Acc|Number=Sing|Person=1|PronType=Prs\t7\tnmod\t_\t_",
  "",
  "# sent_id = 2",
  "# text = I'm not sleepy",
  "1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t3\tnsubj\t_\tSpaceAfter=No",
  "2\t'm\tbe\tAUX\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t3\tcop\t_\t_",
  "3\tnot sleepy\tnot_sleepy\tPART\tRB\t_\t0\troot\t_\tTrying a token with space",
  '',
]);

/** ufal/conll2017 evaluation_script/tests/case-gold.conllu (commit 65114f31). */
export const CASE_GOLD = file([
  "# text = zum Schluß wurde ich Übers Ohr gehauen.",
  "1-2\tzum\t_\t_\t_\t_\t_\t_\t_\t_",
  "1\tZu\t_\tADP\t_\t_\t3\tcase\t_\t_",
  "2\tdem\t_\tDET\t_\t_\t3\tdet\t_\t_",
  "3\tSchluß\t_\tNOUN\t_\t_\t9\tnmod\t_\t_",
  "4\twurde\t_\tAUX\t_\t_\t9\taux:pass\t_\t_",
  "5\tich\t_\tPRON\t_\t_\t9\tnsubj:pass\t_\t_",
  "6-7\tÜbers\t_\t_\t_\t_\t_\t_\t_\t_",
  "6\tüber\t_\tADP\t_\t_\t8\tcase\t_\t_",
  "7\tdas\t_\tDET\t_\t_\t8\tdet\t_\t_",
  "8\tOhr\t_\tNOUN\t_\t_\t9\tnmod\t_\t_",
  "9\tgehauen\t_\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No",
  "10\t.\t_\tPUNCT\t_\t_\t9\tpunct\t_\t_",
  '',
]);

/** ufal/conll2017 evaluation_script/tests/case-sys.conllu (commit e068270d). */
export const CASE_SYS = file([
  "# text = zum Schluß wurde ich Übers Ohr gehauen.",
  "1-2\tzum\t_\t_\t_\t_\t_\t_\t_\t_",
  "1\tzu\t_\tADP\t_\t_\t3\tcase\t_\t_",
  "2\tdem\t_\tDET\t_\t_\t3\tdet\t_\t_",
  "3\tSchluß\t_\tNOUN\t_\t_\t9\tnmod\t_\t_",
  "4\twurde\t_\tAUX\t_\t_\t9\taux:pass\t_\t_",
  "5\tich\t_\tPRON\t_\t_\t9\tnsubj:pass\t_\t_",
  "6-7\tÜbers\t_\t_\t_\t_\t_\t_\t_\t_",
  "6\tÜber\t_\tADP\t_\t_\t8\tcase\t_\t_",
  "7\tdas\t_\tDET\t_\t_\t8\tdet\t_\t_",
  "8\tOhr\t_\tNOUN\t_\t_\t9\tnmod\t_\t_",
  "9\tgehauen\t_\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No",
  "10\t.\t_\tPUNCT\t_\t_\t9\tpunct\t_\t_",
  '',
]);
