// The host's side of the engine process: the contract's calls go out as messages and come back
// as results, the engine's events come in and go to the host's listeners. If the engine process
// dies (a crash, kill -9, out of memory), nothing hangs: waiting calls are answered with an
// error, every job it was running is reported as failed — their leftovers (scratch copies,
// temporary databases, incomplete uploads) are cleaned up by the next run as after any crash — and
// the engine is started again, a few times at most.
import type { EventName, EventPayloads, IpcResult, JobView } from '../../shared/ipc-contract.js';
import type { LifeboatNotification } from '../../shared/notification.js';
import type { EventSink } from '../app-service/event-sink.js';
import type { EngineProcess } from './message-port.js';
import type { EngineMessage, HostMessage, HostQuestion } from './service-messages.js';

export interface RemoteServiceOptions {
  start: () => EngineProcess<EngineMessage, HostMessage>;
  emit: EventSink;
  notify?: ((n: LifeboatNotification) => void) | undefined;
  loginItem?: { get(): boolean; set(openAtLogin: boolean): void } | undefined;
  /** Restarts allowed within RESTART_WINDOW_MS before the engine is left stopped. */
  maxRestarts?: number;
  /** How long shutdown waits for running jobs to cancel and clean up before ending the process. */
  shutdownGraceMs?: number;
  now?: () => number;
}

const RESTART_WINDOW_MS = 60_000;

export class RemoteService {
  private engine: EngineProcess<EngineMessage, HostMessage>;
  private ready = false;
  private queued: HostMessage[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (r: IpcResult<unknown>) => void>();
  private readonly running = new Map<string, JobView>();
  private restarts: number[] = [];
  private down: string | null = null;
  private stopping: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: RemoteServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.engine = this.launch();
  }

  /** One call of the contract; never rejects (failures are values, as from dispatchCall). */
  call(name: string, request: unknown): Promise<IpcResult<unknown>> {
    if (this.down) return Promise.resolve({ ok: false, error: { code: 'ENGINE_STOPPED', message: this.down } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ type: 'call', id, name, request });
    });
  }

  /** The engine process's id (it changes when the engine is restarted). */
  get enginePid(): number | undefined {
    return this.engine.pid;
  }

  /** Why the engine is stopped for good (shut down, or died too often), or null while it runs. */
  get stoppedReason(): string | null {
    return this.down;
  }

  /** Jobs running in the engine, as its events told (for the tray). */
  runningCount(): number {
    return this.running.size;
  }

  /** The machine woke up: the engine catches up missed scheduled runs. */
  wake(): void {
    this.post({ type: 'wake' });
  }

  /** Asks the engine to cancel its jobs and end; ends it anyway after the grace period. */
  shutdown(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.down) return resolve();
      const timer = setTimeout(() => this.engine.kill(), this.opts.shutdownGraceMs ?? 30_000);
      this.engine.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ type: 'shutdown' });
    });
    return this.stopping;
  }

  private post(m: HostMessage): void {
    if (this.ready) this.engine.send(m);
    else this.queued.push(m);
  }

  private launch(): EngineProcess<EngineMessage, HostMessage> {
    const engine = this.opts.start();
    this.ready = false;
    engine.onMessage((m) => this.receive(m, engine));
    engine.onExit((code) => this.exited(engine, code));
    return engine;
  }

  private receive(m: EngineMessage, from: EngineProcess<EngineMessage, HostMessage>): void {
    if (from !== this.engine) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const q of this.queued.splice(0)) from.send(q);
        break;
      case 'result':
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
        break;
      case 'event':
        this.track(m.name, m.payload);
        this.opts.emit(m.name, m.payload as EventPayloads[typeof m.name]);
        break;
      case 'notify':
        this.opts.notify?.(m.notification);
        break;
      case 'ask':
        from.send({ type: 'answer', id: m.id, value: this.answer(m) });
        break;
      case 'stopped':
        break;
    }
  }

  private answer(q: HostQuestion): unknown {
    const item = this.opts.loginItem;
    if (!item) return false;
    if (q.question === 'loginItem.set') item.set(q.openAtLogin);
    return item.get();
  }

  private track(name: EventName, payload: unknown): void {
    if (name === 'job.started') this.running.set((payload as JobView).id, payload as JobView);
    if (name === 'job.finished') this.running.delete((payload as JobView).id);
  }

  private exited(engine: EngineProcess<EngineMessage, HostMessage>, code: number | null): void {
    if (engine !== this.engine) return;
    const how = code === null ? 'was killed' : `exited with code ${code}`;
    const message = `Lifeboat's engine process ${how} while this was running; start it again (nothing it was writing was left half-done).`;
    for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'ENGINE_STOPPED', message } });
    this.pending.clear();
    this.queued = [];
    const finishedAt = new Date(this.now()).toISOString();
    for (const job of this.running.values()) {
      this.opts.emit('job.finished', { ...job, state: 'failed', finishedAt, error: { code: 'ENGINE_STOPPED', message: `The engine process ${how}; this job did not finish. Its leftovers are cleaned up by the next run.` } });
    }
    this.running.clear();
    if (this.stopping) {
      this.down = 'Lifeboat is shutting down.';
      return;
    }
    const t = this.now();
    this.restarts = this.restarts.filter((at) => t - at < RESTART_WINDOW_MS);
    if (this.restarts.length >= (this.opts.maxRestarts ?? 3)) {
      this.down = `Lifeboat's engine process stopped ${this.restarts.length + 1} times within a minute (last: it ${how}); quit and start Lifeboat again, and report it if it keeps happening.`;
      return;
    }
    this.restarts.push(t);
    this.engine = this.launch();
  }
}
