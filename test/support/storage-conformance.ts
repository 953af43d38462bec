// One conformance suite for the storage contract (electron/engine/storage/storage.ts), run against
// every backend: memory (unit), local folder (unit), S3 on Ceph RGW (integration). Each backend
// passes the same cases; what only a backend can set up (an upload left by a killed process) the
// factory provides.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../electron/engine/errors.js';
import type { BackupStorage } from '../../electron/engine/storage/storage.js';

export interface ContractSubject {
  storage: BackupStorage;
  /** Leaves an upload of `key` that never completes, as a `kill -9` mid-backup does. */
  leaveIncomplete(key: string): Promise<void>;
}

export interface ContractOptions {
  /** A fresh, empty storage for each case. */
  open(): Promise<ContractSubject>;
  /** Keys for the paging case (S3 pages at 1000). */
  pagingKeys?: number;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof LifeboatError ? e.code : `not a LifeboatError: ${String(e)}`;
  }
}

function body(bytes: Buffer, chunk = 64 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts, { objectMode: false });
}

async function keysOf(storage: BackupStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out;
}

const upload = { contentType: 'application/octet-stream', expectedBytes: null };
const json = { contentType: 'application/json' };

export function describeStorageContract(name: string, opts: ContractOptions): void {
  describe(`storage contract: ${name}`, () => {
    it('streams an upload, reads it back whole, and refuses to upload over it', async () => {
      const { storage } = await opts.open();
      const data = randomBytes(300_000);
      await storage.upload('p/a/one.dump', body(data), upload);
      expect((await storage.head('p/a/one.dump'))?.size).toBe(data.length);
      expect((await buffer(await storage.download('p/a/one.dump'))).equals(data)).toBe(true);
      expect(await codeOf(storage.upload('p/a/one.dump', body(Buffer.from('other')), upload))).toBe('KEY_EXISTS');
      expect((await buffer(await storage.download('p/a/one.dump'))).equals(data)).toBe(true);
    });

    it('reads ranges at the edges: first byte, last byte, past the end, zero length', async () => {
      const { storage } = await opts.open();
      const data = randomBytes(10_000);
      await storage.upload('p/r.dump', body(data, 4096), upload);
      const read = async (offset?: number, length?: number): Promise<Buffer> => buffer(await storage.download('p/r.dump', { offset, length }));
      expect((await read(0, 1)).equals(data.subarray(0, 1))).toBe(true);
      expect((await read(9_999, 1)).equals(data.subarray(9_999))).toBe(true);
      expect((await read(9_999)).equals(data.subarray(9_999))).toBe(true);
      expect((await read(4_000, 5_000)).equals(data.subarray(4_000, 9_000))).toBe(true);
      expect((await read(9_000, 5_000)).equals(data.subarray(9_000))).toBe(true); // length beyond the end
      expect((await read(10_000)).length).toBe(0); // at the end
      expect((await read(20_000, 10)).length).toBe(0); // past the end
      expect((await read(5, 0)).length).toBe(0);
    });

    it('reports a missing object as absent or NOT_FOUND, never as an error of another kind', async () => {
      const { storage } = await opts.open();
      expect(await storage.head('p/none.dump')).toBeNull();
      expect(await storage.getSmall('p/none.json')).toBeNull();
      expect(await codeOf(storage.download('p/none.dump'))).toBe('NOT_FOUND');
      expect(await codeOf(storage.download('p/none.dump', { offset: 5, length: 5 }))).toBe('NOT_FOUND');
      await storage.delete(['p/none.dump']); // absent keys are fine
    });

    it('create-only small writes never replace; replace does, on purpose', async () => {
      const { storage } = await opts.open();
      await storage.putSmall('p/m.json', 'first', { ...json, mode: 'create' });
      expect(await codeOf(storage.putSmall('p/m.json', 'second', { ...json, mode: 'create' }))).toBe('KEY_EXISTS');
      expect(await storage.getSmall('p/m.json')).toBe('first');
      await storage.putSmall('p/m.json', 'third', { ...json, mode: 'replace' });
      expect(await storage.getSmall('p/m.json')).toBe('third');
    });

    it('20 concurrent create-only writers to one key: exactly one wins, and its bytes are what is stored', async () => {
      const { storage } = await opts.open();
      const results = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => ({ i, code: await codeOf(storage.putSmall('p/race.claim', `writer ${i}`, { ...json, mode: 'create' })) })),
      );
      const winners = results.filter((r) => r.code === 'ok');
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.code !== 'ok').every((r) => r.code === 'KEY_EXISTS')).toBe(true);
      expect(await storage.getSmall('p/race.claim')).toBe(`writer ${winners[0]?.i}`);
    });

    it(`lists past one page (${opts.pagingKeys ?? 1100} keys) in key order, only under the prefix, and deletes them in batches`, async () => {
      const { storage } = await opts.open();
      const n = opts.pagingKeys ?? 1100;
      const keys = Array.from({ length: n }, (_, i) => `p/many/k${String(i).padStart(5, '0')}.json`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => storage.putSmall(k, 'x', { ...json, mode: 'create' })));
      }
      await storage.putSmall('p/manyother/x.json', 'x', { ...json, mode: 'create' });
      const listed = await keysOf(storage, 'p/many/');
      expect(listed).toEqual(keys);
      await storage.delete([...keys, 'p/many/absent.json']);
      expect(await keysOf(storage, 'p/many/')).toEqual([]);
      expect(await keysOf(storage, 'p/manyother/')).toEqual(['p/manyother/x.json']);
    });

    it('a body that fails mid-stream leaves nothing: no object, no incomplete upload', async () => {
      const { storage } = await opts.open();
      const failing = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
          if (Math.random() < 0.2) this.destroy(new Error('pg_dump died'));
        },
      });
      expect(await codeOf(storage.upload('p/f/broken.dump', failing, upload))).not.toBe('ok');
      expect(await storage.head('p/f/broken.dump')).toBeNull();
      expect(await keysOf(storage, 'p/f/')).toEqual([]);
      expect((await storage.listIncompleteUploads('p/f/')).uploads).toEqual([]);
    });

    it('a body that already failed before the upload began (pg_dump died while storage was slow) fails the upload, never hangs', async () => {
      const { storage } = await opts.open();
      const dead = new PassThrough();
      dead.on('error', () => undefined); // the backup's own pipeline listens, as here
      dead.destroy(new Error('pg_dump died'));
      await new Promise((r) => setImmediate(r)); // the error event has been emitted before upload() runs
      expect(await codeOf(storage.upload('p/d/dead.dump', dead, upload))).not.toBe('ok');
      expect(await storage.head('p/d/dead.dump')).toBeNull();
      expect((await storage.listIncompleteUploads('p/d/')).uploads).toEqual([]);
    });

    it('a cancelled upload says CANCELLED and leaves nothing', async () => {
      const { storage } = await opts.open();
      const ac = new AbortController();
      let sent = 0;
      const endless = new Readable({
        read() {
          sent++;
          if (sent === 3) ac.abort();
          this.push(randomBytes(64 * 1024));
        },
      });
      expect(await codeOf(storage.upload('p/c/cancelled.dump', endless, { ...upload, signal: ac.signal }))).toBe('CANCELLED');
      expect(await keysOf(storage, 'p/c/')).toEqual([]);
      expect((await storage.listIncompleteUploads('p/c/')).uploads).toEqual([]);
    });

    it('lists an upload a killed process left, and aborts it (twice is fine)', async () => {
      const subject = await opts.open();
      const { storage } = subject;
      await subject.leaveIncomplete('p/i/db_20261130_120000.dump');
      const listing = await storage.listIncompleteUploads('p/');
      expect(listing.supported).toBe(true);
      expect(listing.uploads.map((u) => u.key)).toEqual(['p/i/db_20261130_120000.dump']);
      const u = listing.uploads[0];
      if (!u) throw new Error('no upload');
      expect(Number.isNaN(new Date(u.startedAt).getTime())).toBe(false);
      expect(await keysOf(storage, 'p/')).toEqual([]); // never listed as an object
      await storage.abortIncompleteUpload(u);
      await storage.abortIncompleteUpload(u);
      expect((await storage.listIncompleteUploads('p/')).uploads).toEqual([]);
    });
  });
}
