import type { SshInput, TargetView } from '../../shared/ipc-contract.js';
import type { CompressionSetting } from '../../shared/compression.js';
import type { MasterKey } from '../engine/crypto/master-key.js';
import type { SshRoute } from '../engine/ssh/ssh-route.js';
import type { StorageTarget } from '../engine/storage/target.js';

export interface ResolvedTarget {
  id: string;
  name: string;
  dbUrl: string;
  storageUrl: string;
  /** From the keychain, in memory only; null when the target relies on ~/.pgpass or PGPASSWORD. */
  password: string | null;
  /** Where its backups go, with its S3 credentials and server-side encryption applied. */
  storage: StorageTarget;
  /** Extra places its backups are copied to (and read from when the storage cannot be). */
  copies: StorageTarget[];
  /** How its backups are compressed (set with the command line's profile edit); absent or null: gzip at the default level. */
  compression?: CompressionSetting | null;
  /** The key new backups are encrypted with (only loaded for backups); null: not encrypted. */
  encryptionKey: MasterKey | null;
  /** Reach the database through this SSH server (its private key, if any, in memory only); absent or null: directly. */
  ssh?: SshRoute | null;
}

export interface SaveTargetInput {
  id?: string | undefined;
  name: string;
  dbUrl: string;
  storageUrl: string;
  /** Write-only: a new password for the keychain; null removes the stored one; absent keeps it. */
  password?: string | null | undefined;
  /** Extra places every backup is copied to; absent keeps the list. */
  copyUrls?: string[] | undefined;
  /** Write-only: S3 keys for the keychain; null removes them; absent keeps them. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string } | null | undefined;
  /** "Reach through SSH" (its private key write-only, to the keychain); null removes the route; absent keeps it. */
  ssh?: SshInput | null | undefined;
}

/** Where the app keeps its databases (the CLI's profiles): the service depends only on this. */
export interface TargetRepository {
  defaultStorageUrl(): string;
  list(): Promise<TargetView[]>;
  get(id: string, opts?: { forBackup?: boolean }): Promise<ResolvedTarget>;
  save(input: SaveTargetInput): Promise<TargetView>;
  remove(id: string): Promise<boolean>;
}
