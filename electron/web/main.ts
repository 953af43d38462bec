// `npm run web`: the app's engine behind a loopback HTTP bridge, serving the built renderer, so
// the whole UI works in a plain browser (development and end-to-end tests). Prints one line: the
// URL to open, with this run's random token. As in the desktop app, the engine runs in its own
// process (service-host/), started here with child_process.fork; this process only relays.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { requireToolFolder } from '../engine/pg/tool-discovery.js';
import { EventHub } from '../app-service/event-sink.js';
import { forkEngine } from '../service-host/message-port.js';
import { RemoteService } from '../service-host/remote-service.js';
import { engineArgs } from '../service-host/service-messages.js';
import { startWebBridge } from './web-bridge-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'pg-bin': { type: 'string' } } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}".\n`);
    process.exit(2);
  }
  if (values['pg-bin'] !== undefined) await requireToolFolder(values['pg-bin'], '--pg-bin');
  const hub = new EventHub();
  const args = engineArgs({ shell: 'web', pgBinDir: values['pg-bin'], notifications: false, loginItem: false });
  const engine = new RemoteService({ start: () => forkEngine(args), emit: hub.emit });
  const token = randomBytes(24).toString('hex');
  const rendererDir = path.join(here, '..', '..', 'renderer');
  const bridge = await startWebBridge({ call: (name, request) => engine.call(name, request), hub, rendererDir, token, port });
  process.stdout.write(`Lifeboat is running at ${bridge.url}\n`);

  const stop = (): void => {
    // Running jobs are cancelled (and clean up after themselves) before the process ends.
    void engine.shutdown().finally(() => void bridge.close().finally(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
