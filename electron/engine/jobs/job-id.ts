import { randomUUID } from 'node:crypto';

export function newJobId(kind: string): string {
  return `${kind}-${randomUUID()}`;
}
