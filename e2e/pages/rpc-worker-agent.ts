// Runs in a Web Worker (classic script, after dist/swarmwire.global.js): serves an agent on every session the
// page opens through connectWorker().
import { SessionHost, acceptWorker, currentCall, expose } from 'swarmwire';

const agent = {
  where: () => (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function' ? 'worker' : 'not a worker'),
  add: (a: number, b: number) => a + b,
  async notify(message: string, callback: (text: string) => Promise<void>) {
    await callback(`worker got ${message}`);
    return 'sent';
  },
  async *countdown(from: number) {
    for (let i = from; i > 0; i--) yield i;
  },
  fail(): never {
    throw new RangeError('from the worker');
  },
  hang(): Promise<void> {
    const { signal } = currentCall();
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  },
};

const host = new SessionHost({ heartbeatIntervalMs: 0 });
host.onSession((session) => expose(agent, session, { name: 'agent' }));
void acceptWorker((transport) => void host.accept(transport).catch(() => {}));
