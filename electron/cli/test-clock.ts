import { LifeboatError } from '../engine/errors.js';

/**
 * Only tests set LIFEBOAT_TEST_NOW (an ISO time): it freezes the CLI's clock, so that many
 * processes can back up "in the same second" on purpose, and prune can be run "two days later"
 * (file mtimes and RGW's `Initiated` cannot be moved with faketime, the caller's clock can).
 */
export function testNow(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const frozen = env.LIFEBOAT_TEST_NOW;
  if (!frozen) return undefined;
  const at = new Date(frozen);
  if (Number.isNaN(at.getTime())) throw new LifeboatError('BAD_INPUT', `LIFEBOAT_TEST_NOW is "${frozen}"; set it to an ISO time or unset it.`);
  return at;
}
