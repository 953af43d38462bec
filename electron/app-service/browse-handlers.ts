// Browse and Compare on top of the engine's archive reader and diff: nothing is restored; the
// live comparison reads the target's own database with its stored password (in memory only).
import type { CallResponse, ParsedCallRequest } from '../../shared/ipc-contract.js';
import { peekRows, showContents } from '../engine/diff/browse-adapter.js';
import { diffBackups, diffTable } from '../engine/diff/run-diff.js';
import { refuseSshTarget, type TargetRepository } from './target-repository.js';

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
  const storageOf = async (targetId: string) => (await targets.get(targetId)).storage;
  const placesOf = async (targetId: string) => {
    const t = await targets.get(targetId);
    return { to: t.storage, copies: t.copies, env };
  };
  const liveUrl = async (targetId: string): Promise<string> => {
    const t = await targets.get(targetId);
    refuseSshTarget(t, 'comparison with the live database');
    deps.rememberSecret(t.password);
    return deps.withPassword(t.dbUrl, t.password);
  };
  return {
    // Browse reads from the first readable copy when the storage cannot give the backup, and says so.
    'browse.show': async (req) => showContents(req.key, await placesOf(req.targetId)),
    'browse.peek': async (req) => peekRows(req.key, req.table, req.limit ?? PEEK_DEFAULT, await placesOf(req.targetId)),
    'compare.backups': async (req) => diffBackups({ to: await storageOf(req.targetId), before: req.before, after: { key: req.after }, pgBinDir: deps.pgBinDir, env }),
    'compare.live': async (req) => diffBackups({ to: await storageOf(req.targetId), before: req.key, after: { live: await liveUrl(req.targetId) }, pgBinDir: deps.pgBinDir, env }),
    'compare.rows': async (req) => {
      const to = await storageOf(req.targetId);
      const after = req.after ? { key: req.after } : { live: await liveUrl(req.targetId) };
      return diffTable({ to, before: req.before, after, table: req.table, limit: req.limit ?? PEEK_DEFAULT, pgBinDir: deps.pgBinDir, env });
    },
  };
}
