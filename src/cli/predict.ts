// `ace predict`: tags or parses a file (CoNLL columns, CoNLL-U, SDP, SemEval ABSA XML) or raw text with a trained tagger or parser bundle.
import { oneOf } from './user-input.js';
import { Command, Option } from 'commander';
import { getBackend } from '../engine/backend/select.js';
import { familyOfBundle, FAMILIES, type OpenBundle, type PredictFileRequest } from '../tasks/registry.js';
import { UsageError } from '../util/errors.js';
import { defaultCacheDir } from '../util/paths.js';
import { refuseOverwritingInput } from '../util/same-file.js';
import { backendChoiceFromEnv } from './info.js';
import { threadsFlag } from './context.js';

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text;
}


interface PredictFlags {
  model: string;
  input?: string;
  output?: string;
  format?: string;
  text?: string;
  cacheDir?: string;
  backend?: string;
  threads?: string;
}

function backendOf(o: PredictFlags) {
  const threads = threadsFlag(o.threads);
  return getBackend(backendChoiceFromEnv(o.backend, process.env), threads !== undefined ? { threads } : {});
}

/** The --format a bundle's family reads, checked once the bundle's family is known (before it loads). */
function checkFormat(format: string | undefined, formats: readonly string[]): void {
  if (format !== undefined && !formats.includes(format)) throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${format}'`);
}

/** Predicts with the bundle in `o.model`, whichever family it is: --input into --output, else text to stdout. */
async function predictWithBundle(o: PredictFlags): Promise<void> {
  const family = familyOfBundle(o.model);
  checkFormat(o.format, family.predictFormats);
  const backend = backendOf(o);
  const bundle: OpenBundle = await family.load(o.model, { cacheDir: o.cacheDir ?? defaultCacheDir(), backend });
  try {
    if (o.input !== undefined) {
      const request: PredictFileRequest = { input: o.input, output: o.output! };
      if (o.format !== undefined) request.format = o.format;
      process.stderr.write(await bundle.predictFile(request));
    } else {
      process.stdout.write(await bundle.predictText(o.text ?? (await readStdin())));
    }
  } finally {
    await bundle.dispose();
  }
}

/** Every family's --format values, for the option's first check (the bundle's family narrows them). */
const ALL_FORMATS: readonly string[] = [...new Set(FAMILIES.flatMap((f) => f.predictFormats))];

export function register(program: Command): void {
  program
    .command('predict')
    .description('tag or parse a file (written back in its own format, ready for the official scorer) or raw text with a trained model')
    .requiredOption('--model <dir>', 'model bundle directory (model.json + params.bin, e.g. a search\'s best checkpoint): a tagger or a parser')
    .option('--input <file>', 'file to tag: CoNLL columns (label last), CoNLL-U or SemEval ABSA XML; to parse: CoNLL-U or SDP 2015')
    .option('--output <file>', 'where to write the tagged or parsed file (required with --input)')
    .addOption(
      new Option('--format <format>', `${FAMILIES.map((f) => `${f.name}s: ${f.predictFormats.join(' | ')}`).join('; ')} (default: from the extension and content)`).argParser(
        oneOf('--format', ALL_FORMATS),
      ),
    )
    .option('--text <text>', 'raw text, one sentence per line (default without --input: standard input); a dependency model prints CoNLL-U')
    .option('--cache-dir <dir>', 'where frozen candidates find their weights (default: ACE_CACHE_DIR or ~/.cache/ace-ts)')
    .option('--backend <choice>', 'auto | native | js (default: ACE_BACKEND or auto)')
    .option('--threads <n>', "BLAS threads (default: BLAS's own)")
    .action(async (o: PredictFlags) => {
      if (o.input !== undefined && o.text !== undefined) throw new UsageError('give either --input or --text, not both');
      if (o.input !== undefined && o.output === undefined) throw new UsageError('--input needs --output');
      if (o.input === undefined && (o.output !== undefined || o.format !== undefined)) throw new UsageError('--output and --format apply to --input only');
      // Before the bundle loads, so the refusal is immediate.
      if (o.input !== undefined) refuseOverwritingInput(o.input, o.output!);
      // The bundle's family (model.json `format`) decides which formats --format may name.
      await predictWithBundle(o);
    });
}
