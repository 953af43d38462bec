import { cancelledError } from '../engine/errors.js';
import { LifeboatError } from '../engine/errors.js';

/** Reads a line from the terminal without echoing it (raw mode: no characters shown at all). */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: whatever is typed (or pasted) after it is never displayed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(cancelledError('Entering the secret'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAllStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Secrets never come from the command line (argv is visible to every user of the machine).
 * On a terminal each is asked for without echo; otherwise they are read from stdin, one per line
 * in the order asked (a single secret may span the whole input, minus its final newline).
 */
export async function readSecrets(names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  if (process.stdin.isTTY) {
    const out: string[] = [];
    for (const n of names) out.push(await promptHidden(`${n}: `));
    return out.map((v, i) => nonEmpty(v, names[i] ?? 'secret'));
  }
  const text = (await readAllStdin()).replace(/\r?\n$/, '');
  const values = names.length === 1 ? [text] : text.split(/\r?\n/);
  if (values.length < names.length) {
    throw new LifeboatError('BAD_INPUT', `Expected ${names.length} lines on stdin (${names.join(', then ')}), got ${values.length}.`);
  }
  return names.map((n, i) => nonEmpty(values[i] ?? '', n));
}

function nonEmpty(v: string, name: string): string {
  if (v === '') throw new LifeboatError('BAD_INPUT', `The ${name} read from stdin is empty; pipe it in, e.g. \`printf %s "$SECRET" | lifeboat ...\`.`);
  return v;
}
