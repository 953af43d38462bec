import type { ErrorHint } from '../../../shared/error-hint.js';
import type { CallName, CallRequest, CallResponse, EventName, EventPayloads, IpcError, LifeboatBridge } from '../../../shared/ipc-contract.js';

/** An engine error as the renderer sees it: the stable code and the sentence to show. */
export class LifeboatClientError extends Error {
  readonly code: string;
  /** What the user can do, as data, for a button (e.g. pin the host key an SSH server offered). */
  readonly hint: ErrorHint | null;
  constructor(error: IpcError) {
    super(error.message);
    this.name = 'LifeboatClientError';
    this.code = error.code;
    this.hint = error.hint ?? null;
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface LifeboatClient {
  call: <K extends CallName>(name: K, request: CallRequest<K>) => Promise<CallResponse<K>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** Turns the bridge's result values back into resolved values or typed errors. */
export function createClient(bridge: LifeboatBridge): LifeboatClient {
  return {
    async call(name, request) {
      const r = await bridge.invoke(name, request);
      if (!r.ok) throw new LifeboatClientError(r.error);
      return r.value;
    },
    on: (name, listener) => bridge.subscribe(name, listener),
  };
}

let current: LifeboatClient | null = null;

export function setClient(client: LifeboatClient): void {
  current = client;
}

export function client(): LifeboatClient {
  if (!current) throw new Error('The Lifeboat client is not connected yet.');
  return current;
}
