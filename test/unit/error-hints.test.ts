// Errors speak each surface's language: the engine's hint is data; the CLI renders it with its
// flags, the app with its own fields and buttons — and nothing the app shows names a CLI flag or
// tells the user to run a command.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appHintText, EXAMPLE_HINTS, withAppHint, type ErrorHintKind } from '../../shared/error-hint.js';
import { cliHintText, withCliHint } from '../../electron/cli/hint-text.js';
import { toIpcError } from '../../electron/app-service/to-ipc-error.js';
import { LifeboatError, toLifeboatError } from '../../electron/engine/errors.js';
import { installHint } from '../../electron/engine/pg/tool-discovery.js';
import { workerExited, workerFailed } from '../../electron/engine/compress/compress-pool.js';
import { rolesMissingError } from '../../electron/engine/globals/restore-roles.js';

/** A CLI flag (--pg-bin) or an instruction to run the CLI ("run `lifeboat list`", "lifeboat temp drop"). */
const CLI_TALK = /(^|[^\w-])--[a-z][a-z-]*|\blifeboat (backup|restore|list|extract|verify|prune|temp|key|profile|scheduler|notify|report|log|decrypt)\b/;

function files(dir: string, exts: readonly string[]): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return files(p, exts);
    return exts.some((e) => p.endsWith(e)) ? [p] : [];
  });
}

/** Source text without comments (block, line, and JSX comments), so only what can be shown is scanned. */
function withoutComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('error hints', () => {
  it('every kind has an example (so both renderings below cover all of them)', () => {
    const all: Record<ErrorHintKind, true> = {
      'choose-pg-bin': true, 'list-backups': true, 'choose-backup': true, 'choose-table': true, 'check-filter': true, 'create-table-or-export': true,
      'enter-password': true, 'enter-s3-keys': true, 's3-keys-in-keychain': true, 'new-name-or-replace': true, 'create-instead': true,
      'not-a-system-database': true, 'drop-interrupted': true, 'wait-longer': true, 'report-bug': true, 'import-key': true, 'profile-key-missing': true,
      'store-secret-again': true, 'free-space': true, 'drop-temp-databases': true, 'missing-tablespaces': true, 'prepare-tablespace-dirs': true,
      'trust-host-key': true,
      'compress-with-pg-dump': true, 'create-missing-roles': true, 'roles-without-globals': true,
    };
    expect(new Set(EXAMPLE_HINTS.map((h) => h.kind))).toEqual(new Set(Object.keys(all)));
  });

  it.each(EXAMPLE_HINTS.map((h) => [JSON.stringify(h), h] as const))('%s: the app says it in its own words, the CLI with its flags', (_kind, h) => {
    const app = appHintText(h);
    expect(app).toMatch(/^[A-Z].*\.$/);
    expect(app).not.toMatch(CLI_TALK);
    expect(app).not.toContain('`');
    const cli = cliHintText(h);
    expect(cli).toMatch(/^[A-Z].*\.$/);
    expect(cli).not.toBe(app);
  });

  it('engine errors that name a flag or a command are only those of command-line-only paths (flag checks, key import, decrypt, temp drop, diff, verify --deep)', () => {
    // Every other engine error can reach the app, so it says what went wrong and carries a hint.
    // A new entry here must be an error the app can never see.
    const CLI_ONLY: Record<string, number> = {
      'archive/browse.ts': 1, // peek --limit out of range (the app sends a fixed limit)
      'backup/import-file.ts': 2, // lifeboat import (--db-name; an encrypted .sql to decrypt first)
      'crypto/decrypt-to-file.ts': 2, // lifeboat decrypt
      'crypto/master-key.ts': 1, // lifeboat key import
      'diff/run-diff.ts': 2, // lifeboat diff's arguments
      'profiles/profiles.ts': 1, // lifeboat profile add with a taken name
      'restore/plan-restore.ts': 9, // restore's flags (--jobs, --clean, --lock-timeout, --tables, --file with --key) and a target URL typed on the command line
      'restore/temp-databases.ts': 1, // lifeboat temp drop of a database Lifeboat did not make
      'scheduler/automation-config.ts': 1, // lifeboat scheduler edit/remove/run-now NAME
      'verify/run-verify.ts': 1, // lifeboat verify --deep without --server
      'backup/server-backup.ts': 1, // lifeboat backup --all-databases
      'restore/restore-group.ts': 6, // lifeboat restore --group (its arguments, and --no-tablespaces for a set using tablespaces the server lacks)
      'globals/show-globals.ts': 1, // lifeboat globals
      'globals/dump-globals.ts': 1, // lifeboat backup --with-role-passwords
      'profiles/profile-copies.ts': 2, // lifeboat profile --copy-to with --copy-s3-* keys for no or several S3 copies
      'copies/copy-targets.ts': 1, // --copy-to '' (the app drops empty lines)
    };
    const root = path.join(import.meta.dirname, '../../electron/engine');
    const found: Record<string, number> = {};
    for (const f of files(root, ['.ts'])) {
      const hits = withoutComments(readFileSync(f, 'utf8'))
        .split('\n')
        .filter((l) => l.includes('LifeboatError(') && CLI_TALK.test(l.replace(/\\`/g, '`')));
      if (hits.length > 0) found[path.relative(root, f)] = hits.length;
    }
    expect(found).toEqual(CLI_ONLY);
  });

  it('errors the app can meet in a backup or a restore carry their way out as a hint, not a flag (compression workers, roles, copy keys)', () => {
    // Each engine error once, as the engine words it; the app's text must name no flag, the CLI's does.
    const cases: [LifeboatError, string][] = [
      [workerFailed(new Error('boom')), '--compress-workers 0'],
      [workerExited(3), '--compress-workers 0'],
      [rolesMissingError(['app_owner'], 'postgres@db:5432'), '--with-globals'],
    ];
    for (const [e, flag] of cases) {
      expect(e.hint, e.message).not.toBeNull();
      expect(e.message).not.toMatch(CLI_TALK);
      expect(toIpcError(e).message).not.toMatch(CLI_TALK);
      expect(withCliHint(e.message, e.hint)).toContain(flag);
    }
    expect(appHintText({ kind: 'create-missing-roles' })).toContain('"Create missing roles first"');
    expect(cliHintText({ kind: 'store-secret-again', profile: 'shop', secret: 'copy-s3-keys' })).toBe('Store them again with `lifeboat profile edit shop --copy-s3-access-key-id ID --copy-s3-secret-stdin`.');
    expect(appHintText({ kind: 'store-secret-again', profile: 'shop', secret: 'copy-s3-keys' })).toMatch(/remove the copy from the settings of "shop"/);
  });

  it('the CLI names the flags, the app its fields', () => {
    expect(cliHintText({ kind: 'choose-pg-bin' })).toContain('--pg-bin DIR');
    expect(cliHintText({ kind: 'list-backups' })).toContain('`lifeboat list`');
    expect(cliHintText({ kind: 'drop-interrupted', database: 'shop_copy' })).toBe('Drop it with `lifeboat temp drop shop_copy --server URL`, then restore again.');
    expect(appHintText({ kind: 'enter-password' })).toBe('Type the password in the Password field.');
    expect(appHintText({ kind: 'check-filter' })).toBe('Write only the part after WHERE, e.g. customer_id = 42.');
  });

  it('an engine error reaches the app with the app hint and the hint as data, and the terminal with the CLI hint', () => {
    const e = new LifeboatError('PG_TOOL_MISSING', `No pg_dump can handle server version 17.6, major 17. ${installHint('pg_dump', 17, 'linux')}`, { hint: { kind: 'choose-pg-bin' } });
    const ipc = toIpcError(e);
    expect(ipc.hint).toEqual({ kind: 'choose-pg-bin' });
    expect(ipc.message).toBe(withAppHint(e.message, e.hint));
    expect(ipc.message).not.toMatch(CLI_TALK);
    expect(withCliHint(e.message, e.hint)).toMatch(/apt-get install postgresql-client-17 .*\. Or point Lifeboat at its folder with --pg-bin DIR or LIFEBOAT_PG_BIN\.$/);
    // A bug says what to do on each surface too.
    const bug = toLifeboatError(new TypeError('x is undefined'));
    expect(toIpcError(bug).message).not.toMatch(CLI_TALK);
    expect(withCliHint(bug.message, bug.hint)).toMatch(/--verbose/);
    // Without a hint both surfaces show the message as it is.
    expect(toIpcError(new LifeboatError('NOT_FOUND', 'Gone.')).message).toBe('Gone.');
  });

  it('no renderer or app-service source names a CLI flag or tells the user to run the CLI', () => {
    const root = path.resolve(__dirname, '../..');
    const sources = [...files(path.join(root, 'renderer/src'), ['.ts', '.tsx']), ...files(path.join(root, 'electron/app-service'), ['.ts']), path.join(root, 'shared/error-hint.ts')];
    const offending: string[] = [];
    for (const f of sources) {
      withoutComments(readFileSync(f, 'utf8'))
        .split('\n')
        .forEach((line, i) => {
          if (CLI_TALK.test(line)) offending.push(`${path.relative(root, f)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });
});
