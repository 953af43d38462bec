// Profiles: saved connections and storage targets, shared by the app and the CLI through one
// config file. The file holds no secret: passwords, S3 keys and encryption keys live in the OS
// keychain and the profile only records whether it keeps one there.
import { z } from 'zod';
import { compressionSettingSchema } from './compression.js';

export const CONFIG_SCHEMA_VERSION = 1;

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const serverSideEncryptionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('AES256') }),
  z.object({ mode: z.literal('aws:kms'), kmsKeyId: z.string().min(1).nullable() }),
]);

/** Reaching the database through an SSH server (no secret here: the private key is in the keychain). */
export const sshSettingsSchema = z.object({
  /** user@host[:port] of the SSH server. */
  destination: z.string().min(1),
  /** The private key is in the keychain; false: the running SSH agent (SSH_AUTH_SOCK) logs in. */
  identityInKeychain: z.boolean(),
  /** The known_hosts file the server's key is checked against; null with no fingerprint: ~/.ssh/known_hosts. */
  knownHostsFile: z.string().nullable(),
  /** A pinned host key fingerprint (SHA256:…), instead of known_hosts. */
  hostKeyFingerprint: z.string().nullable(),
});

/** An extra place every backup of the profile is copied to (the 3-2-1 rule). */
export const copyDestinationSchema = z.object({
  /** s3://bucket/prefix?endpoint=… or file:///folder, without credentials. */
  url: z.string(),
  /** S3 keys for this destination's endpoint in the keychain; otherwise the AWS environment. */
  credentialsInKeychain: z.boolean(),
});

export const profileSchema = z.object({
  name: z.string().regex(PROFILE_NAME),
  database: z.object({
    /** libpq URL without a password; null uses the PG* environment variables. */
    url: z.string().nullable(),
    passwordInKeychain: z.boolean(),
    /** Reach the database through this SSH server; absent or null: directly. The URL's host is as the SSH server sees it. */
    ssh: sshSettingsSchema.nullable().optional(),
  }),
  storage: z.object({
    /** s3://bucket/prefix?endpoint=&region=&path_style=&storage_class= or file:///folder; null: the default. */
    url: z.string().nullable(),
    /** S3 access key id and secret in the keychain; otherwise the AWS environment and profiles. */
    credentialsInKeychain: z.boolean(),
    serverSideEncryption: serverSideEncryptionSchema.nullable(),
  }),
  /** Where each backup is also copied, in order (restore falls back to them in this order). Absent in older configs. */
  copies: z.array(copyDestinationSchema).default([]),
  format: z.enum(['custom', 'plain']),
  /** How its backups are compressed; absent or null: gzip at the default level (Lifeboat's workers). */
  compression: compressionSettingSchema.nullable().optional(),
  /** Client-side encryption with this master key (its id; the key itself is in the keychain). */
  encryption: z.object({ keyId: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const keyRecordSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  createdAt: z.string(),
});

export const configSchema = z.object({
  schemaVersion: z.literal(CONFIG_SCHEMA_VERSION),
  profiles: z.array(profileSchema),
  /** Which encryption keys this machine knows about (ids and labels only). */
  keys: z.array(keyRecordSchema),
});

export type Profile = z.infer<typeof profileSchema>;
export type KeyRecord = z.infer<typeof keyRecordSchema>;
export type LifeboatConfig = z.infer<typeof configSchema>;
export type CopyDestination = z.infer<typeof copyDestinationSchema>;
export type ServerSideEncryption = z.infer<typeof serverSideEncryptionSchema>;
export type SshSettings = z.infer<typeof sshSettingsSchema>;

export function emptyConfig(): LifeboatConfig {
  return { schemaVersion: CONFIG_SCHEMA_VERSION, profiles: [], keys: [] };
}
