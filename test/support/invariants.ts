// What must hold after any fault, whatever the case did (issue 9, "Tests"). Each invariant looks
// at the real storage, the real server and the real process table, and returns null when it holds
// or one line saying how it broke.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { manifestSchema } from '../../shared/manifest.js';
import { fingerprintDatabase, processesOfCase, type CaseContext, type CaseStorage } from './fault-case.js';

export interface Invariant {
  name: string;
  check(ctx: CaseContext): Promise<string | null>;
}

const BACKUP_KEY = /^(?:.*\/)?database_backups\/\d{4}\/\d{2}\/\d{2}\/[^/]+_\d{8}_\d{6}\.(?:dump|sql\.gz)(?:\.enc)?$/;

async function listKeys(ctx: CaseContext, s: CaseStorage): Promise<string[]> {
  if (s.kind === 's3') return ctx.world.s3.listKeys(s.bucket);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(s.dir, p).split(path.sep).join('/'));
    }
  };
  await walk(s.dir);
  return out.sort();
}

async function readObject(ctx: CaseContext, s: CaseStorage, key: string): Promise<Buffer | null> {
  try {
    if (s.kind === 'file') return await readFile(path.join(s.dir, ...key.split('/')));
    const r = await ctx.world.s3.client.send(new GetObjectCommand({ Bucket: s.bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

async function poll(probe: () => Promise<string | null>, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

export const reportedBackupsComplete: Invariant = {
  name: 'reported keys complete',
  async check(ctx) {
    for (const { storage, key } of ctx.record.reportedKeys) {
      const body = await readObject(ctx, storage, key);
      if (!body) return `${key} was reported but is not in ${storage.url}`;
      const raw = await readObject(ctx, storage, `${key}.manifest.json`);
      if (!raw) return `${key} has no manifest`;
      const manifest = manifestSchema.safeParse(JSON.parse(raw.toString('utf8')));
      if (!manifest.success) return `${key}: the manifest does not parse`;
      const sha = createHash('sha256').update(body).digest('hex');
      if (manifest.data.sha256 !== sha || manifest.data.sizeBytes !== body.length) return `${key}: the object's SHA-256/size do not match its manifest`;
    }
    return null;
  },
};

export const noObjectWithoutManifest: Invariant = {
  name: 'no object without manifest',
  async check(ctx) {
    for (const s of ctx.record.storages) {
      const keys = await listKeys(ctx, s);
      const set = new Set(keys);
      const orphan = keys.find((k) => BACKUP_KEY.test(k) && !set.has(`${k}.manifest.json`));
      if (orphan) return `${orphan} in ${s.url} has no manifest`;
      const partial = keys.find((k) => /(^|\/)\.lifeboat-partial-/.test(k));
      if (partial) return `a partial file ${partial} remains in ${s.url}`;
    }
    return null;
  },
};

export const noIncompleteUpload: Invariant = {
  name: 'no incomplete upload (after kill -9: listed)',
  async check(ctx) {
    for (const s of ctx.record.storages) {
      if (s.kind !== 's3') continue;
      const uploads = await ctx.world.s3.listMultipartUploads(s.bucket);
      if (uploads.length === 0 || ctx.record.leftoverReportedByRun) continue;
      if (!ctx.record.killedWithSigkill) return `${uploads.length} incomplete upload(s) remain in ${s.bucket}: ${uploads.join(', ')}`;
      // After kill -9 nothing could clean up; the next `lifeboat list` must say so.
      const list = await ctx.run(['list', '--to', s.url]);
      if (!/incomplete upload/i.test(list.stdout + list.stderr)) return `${uploads.length} incomplete upload(s) after kill -9, not mentioned by \`lifeboat list\``;
    }
    return null;
  },
};

export const restoreTargetsUnchanged: Invariant = {
  name: 'restore targets unchanged or absent',
  async check(ctx) {
    for (const t of ctx.record.restoreTargets) {
      const after = await fingerprintDatabase(ctx.world.pg, t.database);
      if (after !== null && after !== t.before) return `database "${t.database}" ${t.before === null ? 'was left half-created' : 'was changed'}`;
    }
    return null;
  },
};

export const noProcessLeft: Invariant = {
  name: 'no process left',
  async check(ctx) {
    // Termination, not speed: a generous bound for processes that are on their way out.
    return poll(async () => {
      const left = await processesOfCase(ctx.home.LIFEBOAT_HOME);
      if (left.length > 0) return `still running: ${left.map((p) => `${p.comm} (${p.pid})`).join(', ')}`;
      const sessions = await ctx.world.pg.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name IN ('pg_dump', 'pg_restore', 'psql') AND pid <> pg_backend_pid()`,
      );
      return sessions[0]?.n === '0' ? null : `${sessions[0]?.n} pg_dump/pg_restore/psql session(s) still open on the server`;
    }, 30_000);
  },
};

export const noSecretInOutput: Invariant = {
  name: 'no secret in output',
  async check(ctx) {
    const secrets = [
      ['the database password', ctx.world.dbPassword],
      ['the S3 secret key', ctx.world.s3Env.AWS_SECRET_ACCESS_KEY ?? ''],
    ] as const;
    const texts = [...ctx.record.outputs.map((t, i) => ({ where: `output ${i + 1}`, text: t })), ...(await filesUnder(ctx.home.HOME))];
    for (const { where, text } of texts) {
      for (const [what, secret] of secrets) {
        if (secret.length >= 6 && text.includes(secret)) return `${what} appears in ${where}`;
      }
    }
    return null;
  },
};

/** Every text file under a folder (logs, state), for the secrets check. The keychain is not a file here. */
async function filesUnder(dir: string): Promise<{ where: string; text: string }[]> {
  const out: { where: string; text: string }[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await stat(p)).size < 16 * 1024 * 1024) out.push({ where: p, text: (await readFile(p)).toString('utf8') });
    }
  };
  await walk(dir);
  return out;
}

/** The invariants every case is checked against, in the order the table shows them. */
export const INVARIANTS: readonly Invariant[] = [
  reportedBackupsComplete,
  noObjectWithoutManifest,
  noIncompleteUpload,
  restoreTargetsUnchanged,
  noProcessLeft,
  noSecretInOutput,
];

export type Verdict = 'held' | 'BROKEN' | 'todo' | 'not run';

/** The table printed after the suite: one row per case, one column per invariant. */
export function formatTable(rows: { name: string; verdicts: Verdict[]; note?: string }[]): string {
  const headers = ['case', ...INVARIANTS.map((i) => i.name)];
  const cells = rows.map((r) => [r.name, ...r.verdicts]);
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] ?? '').length)));
  const line = (cols: readonly string[]): string => `| ${cols.map((s, c) => s.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`);
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
