import type { PlainLayout } from '../compress/plain-members.js';
import type { TableCount } from '../../../shared/manifest.js';
import type { PlainTableStats } from './plain-sql-scan.js';
import type { ArchiveScan } from './scan-archive.js';

/** Each table's stats from the COPY blocks the plain SQL gzipper saw. */
export function plainTableStats(layout: PlainLayout): PlainTableStats[] {
  const out: PlainTableStats[] = [];
  for (const s of layout.segments) {
    if (s.kind === 'copy') out.push({ schema: s.schema, name: s.name, rows: s.rows ?? 0, rawBytes: s.rawBytes ?? 0, fingerprint: s.fingerprint ?? '0'.repeat(32) });
  }
  return out;
}

export type TappedDump = { kind: 'custom'; scan: ArchiveScan } | { kind: 'plain'; tables: PlainTableStats[] };

const byName = (a: TableCount, b: TableCount): number => (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The manifest's exact row counts (with fingerprints) from what the tap read: one per TABLE DATA
 * block of the archive, or per COPY block of a plain dump. Null when any table's rows are unknown
 * (lz4/zstd compression), so the caller counts with count(*) instead of storing partial counts.
 */
export function countsFromScan(tapped: TappedDump): TableCount[] | null {
  if (tapped.kind === 'plain') return tapped.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows, fingerprint: t.fingerprint })).sort(byName);
  const blocks = new Map(tapped.scan.blocks.map((b) => [b.dumpId, b]));
  const out: TableCount[] = [];
  for (const e of tapped.scan.toc) {
    if (e.desc !== 'TABLE DATA' || !e.hadDumper) continue;
    const b = blocks.get(e.dumpId);
    if (!b || b.rows === null || b.fingerprint === null) return null;
    out.push({ schema: e.namespace ?? '', name: e.tag ?? '', rows: b.rows, fingerprint: b.fingerprint });
  }
  return out.sort(byName);
}
