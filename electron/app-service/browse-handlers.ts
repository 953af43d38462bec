// Browse and Compare on top of the engine's archive reader and diff: nothing is restored; the
// live comparison reads the target's own database with its stored password (in memory only), through
// its SSH server when it has one (a tunnel that lives exactly as long as the comparison).
import type { CallResponse, ParsedCallRequest } from '../../shared/ipc-contract.js';
import { peekRows, showContents } from '../engine/diff/browse-adapter.js';
import { diffBackups, diffTable } from '../engine/diff/run-diff.js';
import { withTunnel } from '../engine/ssh/with-tunnel.js';
import { connectionOf } from './target-connection.js';
import type { TargetRepository } from './target-repository.js';

type Name = 'browse.show' | 'browse.peek' | 'compare.backups' | 'compare.live' | 'compare.rows';
export type BrowseHandlers = { [K in Name]: (req: ParsedCallRequest<K>) => Promise<CallResponse<K>> };

export interface BrowseDeps {
  env: NodeJS.ProcessEnv;
  targets: TargetRepository;
  pgBinDir: string | undefined;
  withPassword: (url: string, password: string | null | undefined) => string;
  rememberSecret: (s: string | null | undefined) => void;
}

/** Rows shown by the grid at most (the contract caps a request at 1000). */
const PEEK_DEFAULT = 200;

export function createBrowseHandlers(deps: BrowseDeps): BrowseHandlers {
  const { env, targets } = deps;
  const placesOf = async (targetId: string) => {
    const t = await targets.get(targetId);
    return { to: t.storage, copies: t.copies, env };
  };
  /** Runs `read` with the live database's URL (password in memory only), through the target's SSH server when it has one. */
  const withLive = async <T>(targetId: string, read: (liveUrl: string) => Promise<T>): Promise<T> => {
    const t = await targets.get(targetId);
    deps.rememberSecret(t.password);
    if (!t.ssh) return read(deps.withPassword(t.dbUrl, t.password));
    return withTunnel(connectionOf(t, env), undefined, env, (direct) => read(deps.withPassword(direct.url ?? '', direct.password)));
  };
  // Browse and Compare read a backup from the first readable copy when the storage cannot give it, and say so.
  return {
    'browse.show': async (req) => showContents(req.key, await placesOf(req.targetId)),
    'browse.peek': async (req) => peekRows(req.key, req.table, req.limit ?? PEEK_DEFAULT, await placesOf(req.targetId)),
    'compare.backups': async (req) => diffBackups({ ...(await placesOf(req.targetId)), before: req.before, after: { key: req.after }, pgBinDir: deps.pgBinDir }),
    'compare.live': async (req) => {
      const places = await placesOf(req.targetId);
      return withLive(req.targetId, (live) => diffBackups({ ...places, before: req.key, after: { live }, pgBinDir: deps.pgBinDir }));
    },
    'compare.rows': async (req) => {
      const places = await placesOf(req.targetId);
      const rows = (after: { key: string } | { live: string }) => diffTable({ ...places, before: req.before, after, table: req.table, limit: req.limit ?? PEEK_DEFAULT, pgBinDir: deps.pgBinDir });
      return req.after ? rows({ key: req.after }) : withLive(req.targetId, (live) => rows({ live }));
    },
  };
}
