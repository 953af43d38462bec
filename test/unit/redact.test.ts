import { describe, expect, it } from 'vitest';
import { parsePgConnection, pgToolConnection } from '../../electron/engine/pg/connection.js';
import { redactUrl, scrubSecrets } from '../../electron/engine/redact.js';

describe('secrets in connection URLs', () => {
  it('never keeps the password in the URL given to tools', () => {
    const conn = parsePgConnection('postgresql://app:s3cr%40t@db.example.com:5433/prod?sslmode=require');
    expect(conn.password).toBe('s3cr@t');
    expect(conn.url).not.toContain('s3cr');
    expect(conn.display).toBe('db.example.com:5433');
    const tool = pgToolConnection(conn, {});
    expect(tool.args.join(' ')).not.toContain('s3cr');
    expect(tool.env.PGPASSWORD).toBe('s3cr@t');
  });

  it('redacts URLs and free text', () => {
    expect(redactUrl('postgresql://u:pw@h/db')).toBe('postgresql://u:***@h/db');
    expect(scrubSecrets('failed for postgresql://u:hunter2@h/db and hunter2', ['hunter2'])).not.toContain('hunter2');
  });

  it('rejects a non-PostgreSQL URL clearly', () => {
    expect(() => parsePgConnection('mysql://u:pw@h/db')).toThrow(/not a PostgreSQL URL/);
    expect(() => parsePgConnection('mysql://u:pw@h/db')).not.toThrow(/pw@/);
  });
});
