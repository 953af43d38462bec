import { verifyKeyFor } from '../../../shared/backup-key.js';
import { verifyRecordSchema, type VerifyRecord } from '../../../shared/verify-record.js';
import type { BackupStorage } from '../storage/storage.js';

/** The last verification stored beside a backup, or null (never verified, or an unreadable record). */
export async function readVerifyRecord(storage: BackupStorage, key: string): Promise<VerifyRecord | null> {
  const text = await storage.getSmall(verifyKeyFor(key));
  if (text === null) return null;
  try {
    return verifyRecordSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}
