// A benchmark child process driven over stdin: one command line in, one JSON line out (both ours and the PyTorch peers).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process answering one JSON line per command line. */
export class Worker {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';
  private exited = false;

  constructor(readonly name: string, private readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else this.lines.push(line);
    });
    proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    proc.on('exit', () => {
      this.exited = true;
      if (this.waiting) this.waiting('');
    });
  }

  async next(): Promise<Record<string, unknown>> {
    const line = this.lines.shift() ?? (this.exited ? '' : await new Promise<string>((r) => (this.waiting = r)));
    if (line === '') throw new Error(`${this.name} exited early:\n${this.stderr}`);
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.error) throw new Error(`${this.name}: ${String(o.error)}`);
    return o;
  }

  async ask(cmd: string): Promise<Record<string, unknown>> {
    this.proc.stdin.write(`${cmd}\n`);
    return this.next();
  }

  async quit(): Promise<Record<string, unknown>> {
    const r = await this.ask('quit');
    this.proc.stdin.end();
    return r;
  }
}
