// The copy step's rules on the in-memory storage (the same contract as S3 and folders): a copy is
// checked against the manifest, never overwrites, and leaves nothing behind when any part fails.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { copyBackup } from '../../electron/engine/copies/copy-backup.js';
import { checkCopyTargets, parseCopyTargets } from '../../electron/engine/copies/copy-targets.js';
import { copyToDestinations, describeFailedCopies } from '../../electron/engine/copies/copy-to-destinations.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { MemoryStorage } from '../../electron/engine/storage/memory-storage.js';
import type { UploadOptions } from '../../electron/engine/storage/storage.js';
import type { StorageTarget } from '../../electron/engine/storage/target.js';
import { parseCopiesRecord } from '../../shared/copies.js';

const KEY = 'database_backups/2026/01/02/shop_20260102_030000.dump';
const DATA = Buffer.from('PGDMP pretend archive bytes '.repeat(100));

function sourceWithBackup(data: Buffer = DATA): MemoryStorage {
  const s = new MemoryStorage('primary');
  s.objects.set(KEY, { data, lastModified: new Date(0) });
  const index = '{"index":true}\n';
  s.objects.set(`${KEY}.index.json`, { data: Buffer.from(index), lastModified: new Date(0) });
  s.objects.set(`${KEY}.globals.sql.enc`, { data: Buffer.from([0, 1, 2, 255]), lastModified: new Date(0) });
  s.objects.set(`${KEY}.verify.json`, { data: Buffer.from('{}'), lastModified: new Date(0) });
  const manifest = {
    formatVersion: 1, key: KEY, database: 'shop', format: 'custom', compression: 'pg_dump',
    server: { version: '15', versionNum: 150000, host: 'h', port: 5432 }, pgDump: { version: '15', major: 15, path: '/x' },
    startedAt: '2026-01-02T03:00:00Z', finishedAt: '2026-01-02T03:00:01Z', sizeBytes: DATA.length,
    sha256: createHash('sha256').update(DATA).digest('hex'), rowCounts: 'exact', tables: [], label: null, pinned: false,
    storageClass: null, lifeboatVersion: '0', encryption: null,
    index: { sizeBytes: Buffer.byteLength(index), sha256: createHash('sha256').update(index).digest('hex') },
  };
  s.objects.set(`${KEY}.manifest.json`, { data: Buffer.from(JSON.stringify(manifest)), lastModified: new Date(0) });
  return s;
}

/** A destination whose upload of one key fails half-way. */
class FailingUploads extends MemoryStorage {
  constructor(private readonly failOn: (key: string) => boolean) {
    super('failing');
  }
  override async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    if (!this.failOn(key)) return super.upload(key, body, opts);
    for await (const chunk of body) void chunk; // read some, then the connection dies
    throw new LifeboatError('STORAGE_SERVER_ERROR', `The server failed while storing ${key}.`);
  }
}

describe('copyBackup', () => {
  it('copies the object, every sidecar but the verify record, and the same manifest bytes last', async () => {
    const source = sourceWithBackup();
    const dest = new MemoryStorage('second');
    await copyBackup(source, dest, KEY);
    expect([...dest.objects.keys()].sort()).toEqual([KEY, `${KEY}.globals.sql.enc`, `${KEY}.index.json`, `${KEY}.manifest.json`]);
    expect(dest.objects.get(`${KEY}.manifest.json`)?.data).toEqual(source.objects.get(`${KEY}.manifest.json`)?.data);
    expect(dest.objects.get(`${KEY}.globals.sql.enc`)?.data).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('refuses bytes that do not match the manifest and leaves nothing at the destination', async () => {
    const source = sourceWithBackup();
    source.objects.set(KEY, { data: Buffer.from('tampered'), lastModified: new Date(0) });
    const dest = new MemoryStorage('second');
    await expect(copyBackup(source, dest, KEY)).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
    expect([...dest.objects.keys()]).toEqual([]);
  });

  it('never overwrites a backup already at the key, and leaves it as it was', async () => {
    const dest = new MemoryStorage('second');
    dest.objects.set(KEY, { data: Buffer.from('someone else'), lastModified: new Date(0) });
    await expect(copyBackup(sourceWithBackup(), dest, KEY)).rejects.toMatchObject({ code: 'KEY_EXISTS', message: expect.stringContaining('never overwrites') as unknown });
    expect([...dest.objects.keys()]).toEqual([KEY]);
    expect(dest.objects.get(KEY)?.data.toString()).toBe('someone else');
  });

  it('removes the object and its claim when a sidecar fails after the object was stored', async () => {
    const dest = new FailingUploads((k) => k.endsWith('.index.json'));
    await expect(copyBackup(sourceWithBackup(), dest, KEY)).rejects.toMatchObject({ code: 'STORAGE_SERVER_ERROR' });
    expect([...dest.objects.keys()]).toEqual([]);
  });

  it('refuses to copy a backup without a readable manifest', async () => {
    const source = sourceWithBackup();
    source.objects.set(`${KEY}.manifest.json`, { data: Buffer.from('{'), lastModified: new Date(0) });
    await expect(copyBackup(source, new MemoryStorage('x'), KEY)).rejects.toMatchObject({ code: 'MANIFEST_DAMAGED' });
  });
});

describe('copyToDestinations', () => {
  it('reports each outcome, never throws for a failed copy, and records the copies where the backup is', async () => {
    const source = sourceWithBackup();
    const good = new MemoryStorage('good');
    const bad = new FailingUploads((k) => k === KEY);
    const targets: StorageTarget[] = [{ kind: 'file', root: '/good', prefix: 'database_backups' }, { kind: 'file', root: '/bad', prefix: 'database_backups' }];
    const r = await copyToDestinations(source, KEY, targets, { open: (t) => (t.kind === 'file' && t.root === '/good' ? good : bad) });
    expect(r.copies.map((c) => [c.storage, c.status, c.error?.code ?? null])).toEqual([
      ['file:///good', 'copied', null],
      ['file:///bad', 'failed', 'STORAGE_SERVER_ERROR'],
    ]);
    expect([...bad.objects.keys()]).toEqual([]);
    for (const place of [source, good]) {
      const record = parseCopiesRecord(place.objects.get(`${KEY}.copies.json`)?.data.toString() ?? '', KEY);
      expect(record?.copies.map((c) => c.status)).toEqual(['copied', 'failed']);
    }
    expect(describeFailedCopies(r.copies)).toBe(`Partly copied: 2 of 3 places hold the backup; the copy to file:///bad failed (The server failed while storing ${KEY}.).`);
    expect(describeFailedCopies(r.copies.slice(0, 1))).toBeNull();
  });
});

describe('copy destinations', () => {
  const primary: StorageTarget = { kind: 'file', root: '/backups', prefix: 'database_backups' };
  it('refuses an empty URL, the backup storage itself, a destination named twice and another prefix', () => {
    expect(() => parseCopyTargets([''], {})).toThrow(/A copy destination is empty/);
    expect(() => checkCopyTargets(primary, parseCopyTargets(['file:///backups'], {}))).toThrow(/is the backup's own storage/);
    expect(() => checkCopyTargets(primary, parseCopyTargets(['file:///usb', 'file:///usb'], {}))).toThrow(/is named twice/);
    expect(() => checkCopyTargets(primary, parseCopyTargets(['file:///usb?prefix=other'], {}))).toThrow(/uses the prefix "other"/);
    expect(() => checkCopyTargets(primary, parseCopyTargets(['file:///usb', 's3://second-bucket?endpoint=http%3A%2F%2F127.0.0.1%3A9'], {}))).not.toThrow();
  });
});
