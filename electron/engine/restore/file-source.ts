import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ArchiveHeader } from '../../../shared/archive-header.js';
import { keySafeDatabaseName, MANIFEST_SUFFIX, type ParsedBackupKey } from '../../../shared/backup-key.js';
import { MAX_MANIFEST_BYTES, parseManifestText, type BackupManifest } from '../../../shared/manifest.js';
import { readHeaderKeyId } from '../crypto/backup-decryption.js';
import { createDecryptStream, missingKeyError } from '../crypto/decrypt-stream.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import { describeFsError } from '../storage/fs-errors.js';
import { SingleFileReader } from '../storage/single-file-reader.js';
import type { BackupSource, SourceEncryption } from './backup-source.js';
import { describeStreamError, IntegrityCheck } from './backup-stream.js';
import { dumpKindOf, type DumpKind } from './file-kind.js';
import { endsWithDumpComplete, HeadCapture, HEAD_BYTES, tailOf, type ScratchFile } from './scratch-file.js';

/** Where a file's database name and dump time came from, for messages and the import's manifest. */
export type IdentityOrigin = 'archive header' | 'file name' | 'modification time' | 'option';

export interface FileIdentity {
  dbName: string | null;
  dbNameFrom: IdentityOrigin | null;
  takenAt: Date;
  takenAtFrom: IdentityOrigin;
}

/** What a restore or import knows about a local file besides what every backup source has. */
export interface FileOrigin {
  path: string;
  /** Read where it lies (never copied); false for encrypted files, decrypted into a private copy. */
  inPlace: boolean;
  identity: FileIdentity;
}

/** A seed-layout file name: <db>_<YYYYMMDD_HHMMSS>.<ext>. */
const SEED_NAME = /^(.+)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\./u;

async function readHead(file: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The file must exist, be a regular readable file, and hold something. */
async function checkFile(file: string): Promise<{ size: number; mtime: Date }> {
  let s;
  try {
    s = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LifeboatError('NOT_FOUND', `There is no file ${file}; check the path.`);
    throw describeFsError(e, `file ${file}`, 'read');
  }
  if (s.isDirectory()) {
    const dirDump = await stat(path.join(file, 'toc.dat')).then(() => true, () => false);
    throw new LifeboatError(
      'BAD_INPUT',
      dirDump
        ? `${file} is a directory-format dump (pg_dump --format=directory), which Lifeboat does not restore; convert it to plain SQL with \`pg_restore --file=dump.sql ${file}\` and restore dump.sql.`
        : `${file} is a folder; give the path of a dump file (.dump, .sql, .sql.gz or .enc) inside it.`,
    );
  }
  if (!s.isFile()) throw new LifeboatError('BAD_INPUT', `${file} is not a regular file; give the path of a dump file (.dump, .sql, .sql.gz or .enc).`);
  if (s.size === 0) throw new LifeboatError('BAD_INPUT', `${file} is empty (0 bytes), so there is nothing to restore; check that the copy of the dump finished.`);
  try {
    await readHead(file, 1);
  } catch (e) {
    throw describeFsError(e, `file ${file}`, 'read');
  }
  return { size: s.size, mtime: s.mtime };
}

/** The first bytes of the plaintext of an encrypted file (the first chunk authenticates or fails). */
async function decryptedHead(file: string, decrypt: () => NodeJS.ReadWriteStream): Promise<Buffer> {
  const input = createReadStream(file);
  const stream = decrypt();
  input.pipe(stream);
  input.on('error', (e) => (stream as unknown as { destroy(e: Error): void }).destroy(e));
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= HEAD_BYTES) break;
    }
  } finally {
    input.destroy();
    (stream as unknown as { destroy(): void }).destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

async function fileEncryption(file: string, env: NodeJS.ProcessEnv): Promise<SourceEncryption> {
  const keyId = await readHeaderKeyId(createReadStream(file));
  const resolve = keychainKeyResolver(env);
  const masterKey = await resolve(keyId);
  if (!masterKey) throw missingKeyError(keyId);
  return { keyId, decrypt: () => createDecryptStream((asked) => (asked === keyId ? masterKey : resolve(asked))), unavailable: null };
}

/**
 * The manifest a Lifeboat backup copied out of a folder storage has beside it. Used when present:
 * it can only add checks (size and SHA-256), never skip one. One that is damaged, describes another
 * file or disagrees with the content is refused rather than silently ignored.
 */
async function manifestBeside(file: string, kind: { format: 'custom' | 'plain'; encrypted: boolean }): Promise<BackupManifest | null> {
  const at = `${file}${MANIFEST_SUFFIX}`;
  const s = await stat(at).catch(() => null);
  if (!s) return null;
  const away = `move ${at} away to restore the file without it`;
  if (!s.isFile() || s.size > MAX_MANIFEST_BYTES) throw new LifeboatError('BAD_INPUT', `${at} beside the file is not a Lifeboat manifest; ${away}.`);
  const text = await readFile(at, 'utf8');
  let key = '';
  try {
    const claimed = (JSON.parse(text) as { key?: unknown }).key;
    key = typeof claimed === 'string' ? claimed : '';
  } catch {
    // parseManifestText says what is wrong with it.
  }
  if (key.split('/').pop() !== path.basename(file)) throw new LifeboatError('BAD_INPUT', `${at} beside the file describes another backup (${JSON.stringify(key.slice(0, 200))}); ${away}.`);
  const read = parseManifestText(text, key);
  if (read.status !== 'ok') throw new LifeboatError('BAD_INPUT', `${at} beside the file cannot be used: ${read.status === 'missing' ? 'it is missing' : read.problem}; ${away}.`);
  const m = read.manifest;
  if (m.format !== kind.format || Boolean(m.encryption) !== kind.encrypted) {
    throw new LifeboatError('BAD_INPUT', `${at} says the backup is ${m.encryption ? 'an encrypted ' : ''}${m.format === 'custom' ? 'custom archive' : 'plain SQL dump'}, but the file's content is not; ${away}.`);
  }
  return m;
}

function localDate(c: ArchiveHeader['createdLocal']): Date | null {
  if (!c) return null;
  const d = new Date(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return Number.isNaN(d.getTime()) || c.year < 1970 ? null : d;
}

/**
 * The database and the dump time a file names. Database: the archive header, else a seed-layout file
 * name. Time: a seed-layout file name, else the archive header, else the file's modification time.
 */
export function fileIdentity(file: string, kind: DumpKind, mtime: Date): FileIdentity {
  const seed = SEED_NAME.exec(path.basename(file));
  const seedTime = seed ? new Date(Date.UTC(Number(seed[2]), Number(seed[3]) - 1, Number(seed[4]), Number(seed[5]), Number(seed[6]), Number(seed[7]))) : null;
  const header = kind.kind === 'custom' ? kind.header : null;
  const headerTime = localDate(header?.createdLocal ?? null);
  const dbName = header?.database ? header.database : (seed?.[1] ?? null);
  const dbNameFrom: IdentityOrigin | null = header?.database ? 'archive header' : seed ? 'file name' : null;
  // A seed-style name is exact UTC (Lifeboat and the seed's scripts write it so); the header's time
  // is pg_dump's local wall clock with no zone, read in this machine's zone as pg_restore does.
  if (seedTime && !Number.isNaN(seedTime.getTime())) return { dbName, dbNameFrom, takenAt: seedTime, takenAtFrom: 'file name' };
  if (headerTime) return { dbName, dbNameFrom, takenAt: headerTime, takenAtFrom: 'archive header' };
  return { dbName, dbNameFrom, takenAt: mtime, takenAtFrom: 'modification time' };
}

/** A checked local file with what it is: the one place a file's kind is decided. */
export interface InspectedFile {
  path: string;
  size: number;
  /** The restorable content's kind (for encrypted files: of what is inside). */
  content: Exclude<DumpKind, { kind: 'encrypted' }>;
  encryption: SourceEncryption | null;
  identity: FileIdentity;
}

/** Decides what a file is from its content (never its name) and refuses what Lifeboat cannot restore. */
export async function inspectFile(file: string, env: NodeJS.ProcessEnv): Promise<InspectedFile> {
  const abs = path.resolve(file);
  const { size, mtime } = await checkFile(abs);
  const head = await readHead(abs);
  const outer = dumpKindOf(head, abs);
  let encryption: SourceEncryption | null = null;
  let content: InspectedFile['content'];
  if (outer.kind === 'encrypted') {
    encryption = await fileEncryption(abs, env);
    const decrypt = encryption.decrypt;
    if (!decrypt) throw encryption.unavailable ?? missingKeyError(encryption.keyId ?? '?');
    const inner = dumpKindOf(await decryptedHead(abs, decrypt).catch((e: unknown) => Promise.reject(describeStreamError(e, abs))), `The decrypted content of ${abs}`, true);
    if (inner.kind === 'encrypted') throw new LifeboatError('BAD_INPUT', `${abs} is encrypted twice, which Lifeboat never does.`);
    content = inner;
  } else {
    content = outer;
  }
  return { path: abs, size, content, encryption, identity: fileIdentity(abs, content, mtime) };
}

/**
 * A restore source for a file on disk, shaped like a backup in storage so that every check of a
 * restore from storage applies unchanged. The key is the file's absolute path (messages name it).
 */
export async function resolveFileSource(file: string, env: NodeJS.ProcessEnv): Promise<BackupSource> {
  const f = await inspectFile(file, env);
  const format = f.content.kind;
  const gzip = f.content.kind === 'plain' && f.content.gzip;
  const manifest = await manifestBeside(f.path, { format, encrypted: f.encryption !== null });
  const dbName = manifest?.database ?? f.identity.dbName ?? keySafeDatabaseName(path.basename(f.path).replace(/\..*$/, ''));
  const parsed: ParsedBackupKey = { key: f.path, prefix: '', dbName, createdAt: f.identity.takenAt, format, gzip, encrypted: f.encryption !== null };
  return {
    storage: new SingleFileReader(f.path),
    target: { kind: 'file', root: path.dirname(f.path), prefix: '' },
    key: f.path,
    parsed,
    manifest,
    sizeBytes: f.size,
    encryption: f.encryption,
    file: { path: f.path, inPlace: f.encryption === null, identity: f.identity },
  };
}

/**
 * The checks a download into a scratch copy makes (size and SHA-256 against a manifest, a full
 * gunzip, pg_dump's completion line at the end of plain SQL), made by reading the file where it
 * lies: nothing is copied, nothing written. `sha256` is of the file's bytes as they lie. The "copy" it returns is the file itself, never removed.
 */
export async function checkFileInPlace(source: BackupSource, opts: { signal?: AbortSignal | undefined; onBytes?: (n: number) => void; what?: string }): Promise<ScratchFile> {
  const file = source.key;
  const m = source.manifest;
  const integrity = new IntegrityCheck(file, m?.sha256 ?? null, m?.sizeBytes ?? null, opts.onBytes);
  const capture = new HeadCapture();
  let plainComplete: boolean | null = null;
  // An encrypted file is decrypted on the way (import checks it so; a restore decrypts into a copy instead).
  const decrypt = source.encryption?.decrypt ?? null;
  if (source.encryption && !decrypt) throw source.encryption.unavailable ?? missingKeyError(source.encryption.keyId ?? '?');
  try {
    const stages = [createReadStream(file), integrity, ...(decrypt ? [decrypt()] : []), capture] as const;
    const run = pipeline as unknown as (...s: unknown[]) => Promise<string | undefined>;
    if (source.parsed.format === 'custom') {
      await run(...stages, async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) void chunk;
      }, { signal: opts.signal });
    } else {
      const tail = await run(...stages, ...(source.parsed.gzip ? [createGunzip()] : []), tailOf, { signal: opts.signal });
      plainComplete = endsWithDumpComplete(tail ?? '');
    }
  } catch (e) {
    if (opts.signal?.aborted) throw cancelledError(opts.what ?? 'The restore');
    throw describeStreamError(e, file);
  }
  return { path: file, head: capture.head, plainComplete, sha256: integrity.sha256 ?? '', remove: () => Promise.resolve() };
}
