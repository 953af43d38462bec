// docs/encryption-format.md promises that a decryptor can be written from it alone. Its Python
// sketch is run here, as written in the document, against Lifeboat's own output.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEncryptStream } from '../../electron/engine/crypto/encrypt-stream.js';
import { encodeRecoveryKey, generateMasterKey } from '../../electron/engine/crypto/master-key.js';

const execFileAsync = promisify(execFile);
const doc = path.resolve(import.meta.dirname, '../../docs/encryption-format.md');

describe('docs/encryption-format.md', () => {
  it("its Python decryptor, used as written, decrypts Lifeboat's output and detects truncation", async () => {
    const sketch = /```python\n([\s\S]*?)```/.exec(await readFile(doc, 'utf8'))?.[1];
    expect(sketch).toBeDefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-format-'));
    const key = generateMasterKey();
    const sizes = [0, 1, 65_536, 3 * 65_536 + 17, 400_003];
    for (const size of sizes) {
      const plain = randomBytes(size);
      await writeFile(path.join(dir, `${size}.plain`), plain);
      await pipeline(Readable.from([plain]), createEncryptStream(key), createWriteStream(path.join(dir, `${size}.enc`)));
    }
    const runner = `${sketch ?? ''}
import io, sys
rec = sys.argv[1]; d = sys.argv[2]
hexs = rec.upper().replace('-', '').replace(' ', '')[4:]; raw = bytes.fromhex(hexs)
master_key = raw[:32]; assert hashlib.sha256(master_key).digest()[:2] == raw[32:]
for size in sys.argv[3:]:
    out = io.BytesIO()
    decrypt(master_key, open(f'{d}/{size}.enc', 'rb'), out)
    assert out.getvalue() == open(f'{d}/{size}.plain', 'rb').read(), size
    print('ok', size)
data = open(f'{d}/65536.enc', 'rb').read()
try:
    decrypt(master_key, io.BytesIO(data[:-16]), io.BytesIO())
    print('truncation NOT detected')
except Exception as e:
    print('truncation detected')
`;
    await writeFile(path.join(dir, 'runner.py'), runner);
    const { stdout } = await execFileAsync('python3', [path.join(dir, 'runner.py'), encodeRecoveryKey(key), dir, ...sizes.map(String)]);
    expect(stdout.trim().split('\n')).toEqual([...sizes.map((s) => `ok ${s}`), 'truncation detected']);
  });
});
