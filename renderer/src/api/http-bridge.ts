// The browser harness's side of the contract: calls as POST /api/call/<name>, events over
// Server-Sent Events. Same LifeboatBridge as the Electron preload, so nothing above can tell.
import type { CallName, CallRequest, CallResponse, EventEnvelope, EventName, EventPayloads, IpcResult, LifeboatBridge } from '../../../shared/ipc-contract.js';

export function createHttpBridge(token: string, base = ''): LifeboatBridge {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;

  const ensureEvents = (): void => {
    if (source) return;
    source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m: MessageEvent<string>) => {
      const envelope = JSON.parse(m.data) as EventEnvelope;
      for (const l of listeners.get(envelope.name) ?? []) l(envelope.payload);
    };
  };

  return {
    async invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<IpcResult<CallResponse<K>>> {
      try {
        const res = await fetch(`${base}/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-lifeboat-token': token },
          body: JSON.stringify(request),
        });
        return (await res.json()) as IpcResult<CallResponse<K>>;
      } catch (e) {
        return { ok: false, error: { code: 'BRIDGE_UNREACHABLE', message: `Lost contact with the Lifeboat harness (${e instanceof Error ? e.message : String(e)}); check that \`npm run web\` is still running, then reload.` } };
      }
    },
    subscribe<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void {
      ensureEvents();
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
  };
}
