// Connecting a page (or any thread) to a Web Worker or a Node worker_threads Worker. A handshake over postMessage
// hands the worker a MessagePort and, when shared memory can be posted, the wasm module, the shared memory and where
// the link's rings are; frames then flow through the rings (kind 'ring'). Without shared memory (a page that is not
// cross-origin isolated, a runtime without SharedArrayBuffer) the same frames go over the port (kind 'postmessage').
//
// Liveness: a worker that dies sends nothing. Node reports it ('exit'); in browsers the worker holds a Web Lock for
// its lifetime and the page queues a request for the same lock, which is granted the moment the worker is gone.
import { type RingStorage, ringStorage } from '../core/ring.js';
import { type CoreHandle, init } from '../core/wasm.js';
import { PostMessageTransport, type PostMessageOptions } from './postmessage.js';
import { type PortLike, type RingOptions, DEFAULT_LANE_BYTES, RingTransport } from './ring.js';
import { TransportErrorCode, transportError } from './transport.js';

/** A Web Worker or a Node worker_threads Worker: postMessage, and for Node the 'exit' event. */
export interface WorkerLike {
  // `any`: Node's and the DOM's Transferable types differ; both take a MessagePort.
  postMessage(message: unknown, transfer?: any): void;
  on?(event: 'exit', listener: (code: number) => void): unknown;
  off?(event: 'exit', listener: (code: number) => void): unknown;
}

/** Which path frames take: 'ring' (shared memory), 'postmessage', or 'auto' (the ring when possible). */
export type WorkerPath = 'auto' | 'ring' | 'postmessage';

export interface ConnectWorkerOptions extends RingOptions, PostMessageOptions {
  /** Default 'auto': the ring when SharedArrayBuffer exists and the page is cross-origin isolated. */
  path: WorkerPath;
  /** Deadline for the worker's answer to the handshake, in ms. Default 10 000. */
  connectTimeoutMs: number;
}

export interface AcceptWorkerOptions extends RingOptions, PostMessageOptions {}

/** The transport connectWorker() and acceptWorker() make. `kind` tells which path is in use. */
export type WorkerTransport = RingTransport | PostMessageTransport;

/** The handshake message, from the connecting side. */
interface Hello {
  swarmwire: 'connect';
  v: 1;
  path: 'ring' | 'postmessage';
  port: PortLike;
  module?: WebAssembly.Module;
  memory?: WebAssembly.Memory;
  link?: RingStorage;
  lock?: string;
  /** Which end of the link the worker takes (default 1; linkWorkers() gives one worker end 0). */
  side?: 0 | 1;
  /** Where the answer goes when it is not `port` (linkWorkers(): to the thread that joined the two). */
  reply?: PortLike;
}
type Answer = { t: 'ack'; ok: true } | { t: 'ack'; ok: false; error: string };

/** Whether shared memory can be posted to a worker from here. */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

const locks = (): LockManager | undefined => (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;

/**
 * Connects to a worker that runs acceptWorker() (the entry swarmwire/worker does). Resolves with the open transport
 * once the worker answered; rejects with CONNECT_FAILED if it refuses or does not answer within connectTimeoutMs.
 * Loads the wasm core (init()) for the ring path if needed. Options: see ConnectWorkerOptions and RingOptions.
 */
export async function connectWorker(worker: WorkerLike, options: Readonly<Partial<ConnectWorkerOptions>> = {}): Promise<WorkerTransport> {
  let path: 'ring' | 'postmessage' = options.path === 'postmessage' || !sharedMemoryAvailable() ? 'postmessage' : 'ring';
  if (options.path === 'ring' && path !== 'ring') {
    throw transportError(TransportErrorCode.CONNECT_FAILED, 'worker: the ring path needs SharedArrayBuffer and a cross-origin isolated page');
  }
  let core: CoreHandle | undefined;
  if (path === 'ring') {
    try {
      core = await init(); // at once when loaded already
    } catch (e) {
      if (options.path === 'ring') throw transportError(TransportErrorCode.CONNECT_FAILED, `worker: cannot load the wasm core: ${(e as Error).message}`, e);
      path = 'postmessage';
    }
  }
  const { port1, port2 } = new MessageChannel();
  const lock = locks() ? `swarmwire-worker-${Math.random().toString(36).slice(2)}-${Date.now()}` : undefined;
  const hello: Hello = { swarmwire: 'connect', v: 1, path, port: port2 as unknown as PortLike, lock };
  let link: RingStorage | undefined;
  if (core) {
    link = ringStorage(options.laneBytes ?? DEFAULT_LANE_BYTES);
    Object.assign(hello, { module: core.module, memory: core.memory, link });
  }
  const ms = options.connectTimeoutMs ?? 10_000;
  let exitWatch: ((code: number) => void) | undefined;
  const answer = await new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no answer within ${ms} ms`), ms);
    const fail = (why: string): void => {
      clearTimeout(timer);
      worker.off?.('exit', exitWatch!);
      port1.close();
      reject(transportError(TransportErrorCode.CONNECT_FAILED, `worker: ${why}`));
    };
    exitWatch = (code) => fail(`the worker exited (code ${code}) during the handshake`);
    worker.on?.('exit', exitWatch);
    port1.onmessage = (event) => {
      clearTimeout(timer);
      worker.off?.('exit', exitWatch!);
      resolve(event.data as Answer);
    };
    worker.postMessage(hello, [port2 as unknown as Transferable]);
  });
  if (!answer.ok) {
    port1.close();
    throw transportError(TransportErrorCode.CONNECT_FAILED, `worker refused the ${path} link: ${answer.error}`);
  }
  const port = port1 as unknown as PortLike;
  const transport: WorkerTransport = link ? new RingTransport(link, 0, port, options) : new PostMessageTransport(port, options);
  watch(worker, transport, lock);
  transport.opened();
  return transport;
}

/** Ends `transport` with PEER_GONE when the worker dies: Node's 'exit', or the worker's Web Lock being released. */
function watch(worker: WorkerLike, transport: WorkerTransport, lock: string | undefined): void {
  const gone = (why: string) => () => transport.lost(why);
  if (worker.on) {
    const onExit = (code: number): void => gone(`worker exited with code ${code}`)();
    worker.on('exit', onExit);
    transport.on('close', () => worker.off?.('exit', onExit));
  }
  const manager = locks();
  if (lock && manager) {
    const stop = new AbortController();
    manager.request(lock, { signal: stop.signal }, gone('worker terminated')).catch(() => undefined);
    transport.on('close', () => stop.abort());
  }
}

/** The scope a worker receives messages on: the worker global in browsers, parentPort in Node. */
async function workerScope(): Promise<{ on(listener: (data: unknown) => void): () => void }> {
  const g = globalThis as { addEventListener?: (t: string, l: (e: MessageEvent) => void) => void; removeEventListener?: (t: string, l: (e: MessageEvent) => void) => void };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && !('Deno' in globalThis);
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('[swarmwire] acceptWorker() runs inside a worker');
    return { on: (l) => (parentPort.on('message', l), () => void parentPort.off('message', l)) };
  }
  if (!g.addEventListener) throw new Error('[swarmwire] acceptWorker() runs inside a worker');
  return {
    on: (l) => {
      const listener = (e: MessageEvent): void => l(e.data);
      g.addEventListener!('message', listener);
      return () => g.removeEventListener!('message', listener);
    },
  };
}

/**
 * Inside a worker: answers every connectWorker() from the parent, handing each new transport to `onTransport`
 * before it opens (attach listeners there). Ring links sleep with Atomics.wait between bursts (option `wait`,
 * default 'block'). Resolves with a function that stops accepting.
 */
export async function acceptWorker(onTransport: (transport: WorkerTransport) => void, options: Readonly<Partial<AcceptWorkerOptions>> = {}): Promise<() => void> {
  const scope = await workerScope();
  return scope.on((data) => {
    const hello = data as Hello;
    if (hello?.swarmwire !== 'connect' || hello.v !== 1) return; // the worker's own messages
    void answer(hello, onTransport, options);
  });
}

async function answer(hello: Hello, onTransport: (t: WorkerTransport) => void, options: Readonly<Partial<AcceptWorkerOptions>>): Promise<void> {
  const port = hello.port;
  const reply = hello.reply ?? port;
  try {
    let transport: WorkerTransport;
    if (hello.path === 'ring') {
      const handle = await init({ wasm: hello.module!, memory: hello.memory! });
      if (!sameMemory(handle.memory, hello.memory!, hello.link!.base, hello.side ?? 1)) throw new Error('this thread already joined another shared memory');
      transport = new RingTransport(hello.link!, hello.side ?? 1, port, { wait: 'block', ...options });
    } else {
      transport = new PostMessageTransport(port, options);
    }
    const manager = locks();
    if (hello.lock && manager) {
      // Held until this worker dies; the connecting side waits on it.
      await new Promise<void>((held) => void manager.request(hello.lock!, () => (held(), new Promise<never>(() => {}))));
    }
    onTransport(transport);
    reply.postMessage({ t: 'ack', ok: true } satisfies Answer);
    if (reply !== port) reply.close();
    transport.opened();
  } catch (e) {
    reply.postMessage({ t: 'ack', ok: false, error: String((e as Error)?.message ?? e) } satisfies Answer);
    port.close();
    if (reply !== port) reply.close();
  }
}

/**
 * Whether `theirs` is the shared memory this thread joined. A Memory posted to a thread arrives as a new object
 * every time, so identity only answers for the first link: a word written through their view is read through ours
 * (a spare slot of the new link's control line, one per side, so the two workers that linkWorkers() joins never
 * probe the same word).
 */
function sameMemory(mine: WebAssembly.Memory, theirs: WebAssembly.Memory, base: number, side: 0 | 1): boolean {
  if (mine === theirs) return true;
  const word = (base + 64 * side + 60) >>> 2;
  const a = new Int32Array(mine.buffer);
  const b = new Int32Array(theirs.buffer);
  if (word >= a.length || word >= b.length) return false;
  const probe = (Math.random() * 0x7fffffff) | 1;
  const before = Atomics.load(b, word);
  Atomics.store(b, word, probe);
  const same = Atomics.load(a, word) === probe;
  Atomics.store(b, word, before);
  return same;
}

/**
 * Joins two workers that both run acceptWorker(): each gets a transport to the other, through rings in this
 * thread's shared memory (or over a MessagePort without shared memory), and this thread is not on the path.
 * Resolves with the path in use once both answered. Frames one worker sends before the other answered wait in the
 * rings. This thread keeps the liveness watch: when one worker exits (Node) the other's transport is not told —
 * terminate both, or close from the survivor.
 */
export async function linkWorkers(a: WorkerLike, b: WorkerLike, options: Readonly<Partial<ConnectWorkerOptions>> = {}): Promise<'ring' | 'postmessage'> {
  let path: 'ring' | 'postmessage' = options.path === 'postmessage' || !sharedMemoryAvailable() ? 'postmessage' : 'ring';
  const core = path === 'ring' ? await init().catch(() => undefined) : undefined;
  if (!core) path = 'postmessage';
  const { port1, port2 } = new MessageChannel();
  const base: Omit<Hello, 'port'> = { swarmwire: 'connect', v: 1, path };
  if (core) Object.assign(base, { module: core.module, memory: core.memory, link: ringStorage(options.laneBytes ?? DEFAULT_LANE_BYTES) });
  const ms = options.connectTimeoutMs ?? 10_000;
  const ask = (worker: WorkerLike, side: 0 | 1, port: MessagePort): Promise<void> => {
    const answers = new MessageChannel();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done({ t: 'ack', ok: false, error: `no answer within ${ms} ms` }), ms);
      const done = (answer: Answer): void => {
        clearTimeout(timer);
        answers.port1.close();
        if (answer.ok) resolve();
        else reject(transportError(TransportErrorCode.CONNECT_FAILED, `worker refused the ${path} link: ${answer.error}`));
      };
      answers.port1.onmessage = (event) => done(event.data as Answer);
      const hello: Hello = { ...base, port: port as unknown as PortLike, side, reply: answers.port2 as unknown as PortLike };
      worker.postMessage(hello, [port as unknown as Transferable, answers.port2 as unknown as Transferable]);
    });
  };
  await Promise.all([ask(a, 0, port1), ask(b, 1, port2)]);
  return path;
}
