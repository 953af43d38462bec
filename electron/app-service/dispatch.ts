import { parseCallRequest, type IpcResult } from '../../shared/ipc-contract.js';
import type { AppService } from './app-service.js';
import { toIpcError } from './to-ipc-error.js';

/**
 * The single entry point of every transport: validate the request against the contract, run the
 * handler, and turn any failure into a value. Nothing thrown ever crosses to the UI.
 */
export async function dispatchCall(service: AppService, name: string, raw: unknown): Promise<IpcResult<unknown>> {
  const parsed = parseCallRequest(name, raw);
  if (!parsed.ok) return parsed;
  try {
    const handler = service.handlers[parsed.name] as (request: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.request) };
  } catch (e) {
    return { ok: false, error: toIpcError(e, service.secrets()) };
  }
}
