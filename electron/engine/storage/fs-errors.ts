import { LifeboatError } from '../errors.js';

/**
 * One sentence per file-system failure of the backup folder, in the storage contract's classes,
 * so a full disk reads like a full bucket and a read-only mount like a refused write.
 */
export function describeFsError(e: unknown, where: string, action: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const why = (e as Error | undefined)?.message ?? String(e);
  switch (code) {
    case 'ENOENT':
      return new LifeboatError('NOT_FOUND', `There is no ${where}.`, { cause: e, hint: { kind: 'list-backups' } });
    case 'EEXIST':
      return new LifeboatError('KEY_EXISTS', `${where} already exists; Lifeboat never overwrites a backup, its manifest or its claim.`, { cause: e });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new LifeboatError('STORAGE_QUOTA_EXCEEDED', `Could not ${action} ${where}: the disk or your quota is full (${code}).`, { cause: e, hint: { kind: 'free-space', where: 'folder' } });
    case 'EACCES':
    case 'EPERM':
      return new LifeboatError('STORAGE_ACCESS_DENIED', `Could not ${action} ${where}: permission denied (${code}). Give your user access to the backup folder or choose another one.`, { cause: e });
    case 'EROFS':
      return new LifeboatError('STORAGE_ACCESS_DENIED', `Could not ${action} ${where}: the file system is read-only (EROFS). Remount it read-write or choose another folder.`, { cause: e });
    case 'EIO':
    case 'ESTALE':
    case 'ENXIO':
      return new LifeboatError('STORAGE_SERVER_ERROR', `Could not ${action} ${where}: the disk or network share reported an I/O error (${code}). Check the device and try again.`, { cause: e });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENAMETOOLONG':
    case 'ELOOP':
      return new LifeboatError('STORAGE_ERROR', `Could not ${action} ${where}: the folder layout is not what Lifeboat expects (${code}). Check the backup folder.`, { cause: e });
    default:
      return new LifeboatError('STORAGE_ERROR', `Could not ${action} ${where}: ${why}.`, { cause: e });
  }
}
