// "Test storage" in the app tests the S3 keys typed into the form, before the database is saved
// (issue 10): against RGW, with no AWS keys in the app's environment, the typed keys work and
// wrong typed keys fail — so the test really used them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { tempHome } from '../support/cli.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let service: AppService;

beforeAll(async () => {
  const home = await tempHome();
  s3 = await startS3Server();
  await s3.createBucket('typed');
  const env: NodeJS.ProcessEnv = { ...process.env, ...home, AWS_REGION: s3.env.AWS_REGION };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
  // No ~/.aws either: the temp HOME has none.
  service = createAppService({ emit: () => undefined, shell: 'web', env });
});

afterAll(async () => {
  await service?.shutdown();
  await s3?.stop();
});

describe('Test storage with S3 keys typed into the form', () => {
  it('uses the typed keys (right keys: ready; wrong secret: refused) and never echoes the secret', async () => {
    const storageUrl = s3.storageUrl('typed');
    const ok = await dispatchCall(service, 'storage.test', { storageUrl, s3Credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    expect(ok).toMatchObject({ ok: true, value: { backupCount: 0 } });
    const wrong = await dispatchCall(service, 'storage.test', { storageUrl, s3Credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret-0000' } });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toMatch(/^STORAGE_/);
      expect(wrong.error.message).not.toContain('not-the-secret-0000');
    }
    // Keys for a local folder make no sense: one sentence, nothing tested.
    const local = await dispatchCall(service, 'storage.test', { storageUrl: 'file:///tmp/x', s3Credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    expect(local).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });
});
