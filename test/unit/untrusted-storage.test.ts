// Keys and manifests come back from storage that anyone with write access can change: the pure
// validators that every surface (CLI, app service, web bridge, listing, retention) relies on.
import { describe, expect, it } from 'vitest';
import type { BackupEntry } from '../../shared/backup-entry.js';
import { backupKeyProblem, buildBackupKey } from '../../shared/backup-key.js';
import { MANIFEST_FORMAT_VERSION, parseManifestText } from '../../shared/manifest.js';
import { planRetention } from '../../shared/retention.js';
import { parseCallRequest } from '../../shared/ipc-contract.js';

const KEY = 'database_backups/2026/11/25/shop_20261125_031012.dump';

function manifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    key: KEY,
    database: 'shop',
    format: 'custom',
    compression: 'pg_dump',
    server: { version: '15.20', versionNum: 150020, host: 'localhost', port: 5432 },
    pgDump: { version: '15.20', major: 15, path: '/usr/bin/pg_dump' },
    startedAt: '2026-11-25T03:10:12.000Z',
    finishedAt: '2026-11-25T03:10:20.000Z',
    sizeBytes: 1234,
    sha256: 'a'.repeat(64),
    rowCounts: 'exact',
    tables: [{ schema: 'public', name: 'orders', rows: 3 }],
    label: null,
    pinned: true,
    storageClass: null,
    lifeboatVersion: '0.1.0',
    encryption: null,
    ...over,
  };
}

describe('backup keys from outside', () => {
  it('accept keys inside the prefix as the listing shows them', () => {
    expect(backupKeyProblem(KEY, 'database_backups')).toBeNull();
    expect(backupKeyProblem(KEY, '/database_backups/')).toBeNull();
    expect(backupKeyProblem('shop/2026/11/25/a_20261125_031012.dump.enc', 'shop')).toBeNull();
    expect(backupKeyProblem('2026/11/25/a_20261125_031012.dump', '')).toBeNull();
  });

  it.each([
    ['../other-bucket/database_backups/2026/11/25/shop_20261125_031012.dump', /"\." or "\.\."/],
    ['database_backups/../../other-bucket/x_20261125_031012.dump', /"\." or "\.\."/],
    ['database_backups/./2026/11/25/shop_20261125_031012.dump', /"\." or "\.\."/],
    ['/database_backups/2026/11/25/shop_20261125_031012.dump', /absolute path/],
    ['database_backups//2026/11/25/shop_20261125_031012.dump', /empty segment/],
    ['database_backups/2026/11/25/', /empty segment/],
    ['database_backups\\..\\x', /backslash/],
    ['database_backups/2026/11/25/shop\n_20261125_031012.dump', /control characters/],
    ['database_backups/2026/11/25/shop\u0000.dump', /control characters/],
    ['other_prefix/2026/11/25/shop_20261125_031012.dump', /outside the storage's prefix "database_backups\/"/],
    ['database_backupsX/2026/11/25/shop_20261125_031012.dump', /outside the storage's prefix/],
    ['', /empty/],
    [`database_backups/${'x'.repeat(1100)}`, /longer than 1024 bytes/],
  ])('refuse %j', (key, why) => {
    expect(backupKeyProblem(key, 'database_backups')).toMatch(why);
  });

  it('are refused at the IPC boundary before any handler runs', () => {
    const r = parseCallRequest('backup.pin', { targetId: 't', key: '../other-bucket/database_backups/2026/11/25/shop_20261125_031012.dump', pinned: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/refused because it contains a "\." or "\.\." segment/);
    const restore = parseCallRequest('restore.review', { targetId: 't', backup: { kind: 'key', key: '/etc/passwd' }, destination: { kind: 'temp' } });
    expect(restore.ok).toBe(false);
  });
});

describe('manifests from storage', () => {
  it('accept a valid manifest for its own key, keeping fields a newer version added', () => {
    const r = parseManifestText(JSON.stringify(manifest({ addedLater: { x: 1 } })), KEY);
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect((r.manifest as Record<string, unknown>).addedLater).toEqual({ x: 1 });
  });

  it.each([
    ['not JSON', '{"formatVersion": 1, "key":', /not valid JSON/],
    ['a string count', JSON.stringify(manifest({ tables: [{ schema: 'public', name: 'orders', rows: '3' }] })), /tables\.0\.rows/],
    ['a negative size', JSON.stringify(manifest({ sizeBytes: -1 })), /sizeBytes/],
    ['a bad checksum', JSON.stringify(manifest({ sha256: 'zz' })), /sha256/],
    ['a huge label', JSON.stringify(manifest({ label: 'x'.repeat(5000) })), /label/],
    ['a port out of range', JSON.stringify(manifest({ server: { version: '15', versionNum: 150000, host: 'h', port: 70000 } })), /server\.port/],
    ['a date that is not one', JSON.stringify(manifest({ startedAt: 'yesterday' })), /startedAt/],
    ['another key inside', JSON.stringify(manifest({ key: '../other-bucket/x.dump' })), /describes another key/],
    ['null', 'null', /damaged/],
  ])('call one with %s damaged', (_what, text, why) => {
    const r = parseManifestText(text, KEY);
    expect(r.status).toBe('damaged');
    if (r.status === 'damaged') expect(r.problem).toMatch(why);
  });

  it('recognise a newer format instead of calling it damaged', () => {
    const r = parseManifestText(JSON.stringify(manifest({ formatVersion: 99, somethingNew: true })), KEY);
    expect(r).toEqual({ status: 'newer-format', problem: expect.stringMatching(/format version 99, newer than this Lifeboat understands \(1\); update Lifeboat/) as unknown });
  });
});

describe('retention and manifests it does not understand', () => {
  const NOW = new Date('2026-11-25T12:00:00Z');
  const entry = (daysAgo: number, over: Partial<BackupEntry> = {}): BackupEntry => {
    const at = new Date(NOW.getTime() - daysAgo * 86_400_000);
    return { key: buildBackupKey({ prefix: 'database_backups', dbName: 'shop', startedAt: at, format: 'custom' }), dbName: 'shop', createdAt: at.toISOString(), format: 'custom', encrypted: false, sizeBytes: 1000, hasManifest: true, label: null, pinned: false, sha256: null, ...over };
  };

  it('keeps a backup whose manifest is damaged, newer or unreadable, with the reason, and does not count it among the newest', () => {
    const damaged = entry(100, { hasManifest: false, manifestProblem: 'its manifest is damaged (sizeBytes: too small)' });
    const newer = entry(200, { hasManifest: false, manifestProblem: 'its manifest has format version 99, newer than this Lifeboat understands (1); update Lifeboat' });
    const plan = planRetention([entry(1), entry(2), damaged, entry(50), newer, entry(300)], { keepDays: 30, keepLast: 3, gfs: null }, NOW);
    const byKey = new Map(plan.backups.map((b) => [b.key, b]));
    expect(byKey.get(damaged.key)).toMatchObject({ action: 'keep', reasons: ['manifest-not-understood'], explanation: 'never deleted because its manifest is damaged (sizeBytes: too small)' });
    expect(byKey.get(newer.key)).toMatchObject({ action: 'keep', reasons: ['manifest-not-understood'] });
    expect(byKey.get(newer.key)?.explanation).toMatch(/format version 99/);
    // The third newest good backup is the one 50 days old, not the damaged one.
    expect(byKey.get(entry(50).key)).toMatchObject({ action: 'keep', reasons: ['newest'] });
    expect(byKey.get(entry(300).key)?.action).toBe('delete');
  });
});
