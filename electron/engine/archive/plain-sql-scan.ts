import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CopyRowStats } from './copy-text.js';

export interface PlainTableStats {
  schema: string;
  name: string;
  rows: number;
  rawBytes: number;
  fingerprint: string;
}

/** Reads one SQL identifier (quoted or not) at `at`; returns it and where it ends. */
function readIdentifier(s: string, at: number): { name: string; end: number } | null {
  if (s[at] === '"') {
    let out = '';
    for (let i = at + 1; i < s.length; i++) {
      if (s[i] === '"') {
        if (s[i + 1] === '"') {
          out += '"';
          i++;
        } else return { name: out, end: i + 1 };
      } else out += s[i];
    }
    return null;
  }
  const m = /^[^\s."(]+/.exec(s.slice(at));
  return m ? { name: m[0], end: at + m[0].length } : null;
}

/** "COPY sales.orders (id, total) FROM stdin;" → { schema: 'sales', name: 'orders' }. */
export function parseCopyTarget(line: string): { schema: string; name: string } | null {
  if (!line.startsWith('COPY ') || !line.endsWith(' FROM stdin;')) return null;
  const schema = readIdentifier(line, 5);
  if (!schema || line[schema.end] !== '.') return null;
  const name = readIdentifier(line, schema.end + 1);
  return name ? { schema: schema.name, name: name.name } : null;
}

/**
 * Counts and fingerprints every table's rows in a gzipped plain SQL dump as it streams, from its
 * COPY … FROM stdin blocks (the same fingerprint as for a custom archive's data blocks).
 */
export async function scanPlainSql(gzipped: AsyncIterable<Buffer>): Promise<PlainTableStats[]> {
  const text = Readable.from(gzipped).pipe(createGunzip());
  const out: PlainTableStats[] = [];
  let current: { schema: string; name: string; stats: CopyRowStats } | null = null;
  let partial = '';
  const utf8 = new StringDecoder('utf8');
  const onLine = (line: string): void => {
    if (current) {
      if (line === '\\.') {
        out.push({ schema: current.schema, name: current.name, rows: current.stats.rows, rawBytes: current.stats.rawBytes, fingerprint: current.stats.fingerprint() });
        current = null;
      } else current.stats.push(Buffer.from(`${line}\n`, 'utf8'));
      return;
    }
    const target = parseCopyTarget(line);
    if (target) current = { ...target, stats: new CopyRowStats() };
  };
  for await (const chunk of text as AsyncIterable<Buffer>) {
    const lines = (partial + utf8.write(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  }
  if (current) throw new Error('the dump ends inside a COPY block');
  return out;
}
