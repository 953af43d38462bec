import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError, cancelledError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import { prepareDecryption, readHeaderKeyId } from './backup-decryption.js';
import { createDecryptStream, missingKeyError, type DecryptStream, type KeyResolver } from './decrypt-stream.js';

export type DecryptSource = { storage: BackupStorage; key: string } | { file: string };

async function refuseExisting(out: string): Promise<void> {
  try {
    await access(out);
  } catch {
    return;
  }
  throw new LifeboatError('BAD_INPUT', `${out} already exists; Lifeboat does not overwrite it. Choose another --out or remove it first.`);
}

/**
 * Turns an encrypted backup (in storage, or a local copy) into the plain pg_dump archive. The
 * output appears under its name only when every chunk authenticated; on any failure the partial
 * file is removed, since the plaintext before a bad chunk cannot be trusted either.
 */
export async function decryptToFile(source: DecryptSource, out: string, resolveKey: KeyResolver, signal?: AbortSignal): Promise<{ keyId: string; bytes: number }> {
  const target = path.resolve(out);
  await refuseExisting(target);
  let keyId: string;
  let body: Readable;
  let stream: DecryptStream;
  if ('storage' in source) {
    if (!(await source.storage.head(source.key))) {
      throw new LifeboatError('NOT_FOUND', `There is no backup ${source.key} in ${source.storage.display}; see \`lifeboat list\`.`);
    }
    const prepared = await prepareDecryption(source.storage, source.key, resolveKey, signal);
    if (!prepared) throw new LifeboatError('BAD_INPUT', `${source.key} is not encrypted; download it as it is (it already is a plain pg_dump archive).`);
    keyId = prepared.keyId;
    stream = prepared.createStream();
    body = await source.storage.download(source.key, { signal });
  } else {
    keyId = await readHeaderKeyId(createReadStream(source.file, { end: 4095 }));
    const key = await resolveKey(keyId);
    if (!key) throw missingKeyError(keyId);
    stream = createDecryptStream(() => key);
    body = createReadStream(source.file);
  }
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await pipeline(body, stream, createWriteStream(partial, { flags: 'wx', mode: 0o600 }), { signal });
    await rename(partial, target);
    return { keyId, bytes: (await stat(target)).size };
  } catch (e) {
    await rm(partial, { force: true });
    if (signal?.aborted) throw cancelledError('Decrypting');
    throw e;
  }
}
