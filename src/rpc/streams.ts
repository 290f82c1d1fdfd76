// Streams with credit-based backpressure. The producer sends at most the credit it holds (INITIAL_STREAM_CREDIT
// to start, then what StreamCredit frames grant); the reader grants credit back as it consumes, so at most one
// window of chunks is ever buffered. A reader that stops (break, return(), cancel()) sends StreamCancel, and the
// producer's iterator is closed (an async generator runs its finally blocks).
import { RpcErrorCode, rpcError } from './errors.js';
import { INITIAL_STREAM_CREDIT, StreamKind } from './messages.js';

/** What a producer does with its chunks; the connection turns them into frames. */
export interface ProducerSink {
  data(value: unknown): void;
  /** The stream ended: normally (no argument) or with an error. */
  end(error?: unknown): void;
}

/** The kind of a stream source. @internal */
export function kindOf(source: object): StreamKind {
  return typeof ReadableStream === 'function' && source instanceof ReadableStream ? StreamKind.ReadableStream : StreamKind.AsyncIterable;
}

function iteratorOf(source: object): AsyncIterator<unknown> {
  if (typeof ReadableStream === 'function' && source instanceof ReadableStream) {
    const reader = (source as ReadableStream<unknown>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  return (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

/** Sends one stream: pulls from the source while it holds credit. */
export class StreamProducer {
  #credit = INITIAL_STREAM_CREDIT;
  #wake: (() => void) | undefined;
  #stopped = false;
  readonly #iterator: AsyncIterator<unknown>;

  /** `step` runs each pull of the source (the connection sets the call context around it). */
  constructor(source: object, private readonly sink: ProducerSink, private readonly step: <T>(fn: () => T) => T = (fn) => fn()) {
    this.#iterator = iteratorOf(source);
  }

  /** Pulls until the source ends, fails, or the stream is cancelled. Never rejects. */
  async run(): Promise<void> {
    try {
      for (;;) {
        while (this.#credit <= 0 && !this.#stopped) await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#stopped) return;
        const result = await this.step(() => this.#iterator.next());
        if (this.#stopped) return;
        if (result.done) {
          this.#stopped = true;
          this.sink.end();
          return;
        }
        this.#credit--;
        this.sink.data(result.value);
      }
    } catch (error) {
      if (this.#stopped) return;
      this.#stopped = true;
      this.sink.end(error);
    }
  }

  /** The reader granted `n` more chunks. */
  grant(n: number): void {
    this.#credit += n;
    this.#wake?.();
  }

  /** The reader stopped (or the connection closed): close the source, send nothing more. */
  cancel(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#wake?.();
    this.step(() => this.#iterator.return?.())?.catch(() => {});
  }
}

/** What a reader tells the producer; the connection turns it into frames. */
export interface ConsumerSource {
  credit(n: number): void;
  cancel(reason: string): void;
}

/** Receives one stream: an async iterator over its chunks, granting credit as they are consumed. */
export class StreamConsumer implements AsyncIterableIterator<unknown> {
  readonly #queue: unknown[] = [];
  #ended = false;
  #error: unknown;
  #waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | undefined;
  #consumed = 0;
  #source: ConsumerSource | undefined;
  readonly #window: number;

  /**
   * `window` is the chunks the reader lets the producer run ahead by (at least INITIAL_STREAM_CREDIT; more is
   * granted at once).
   */
  constructor(window = INITIAL_STREAM_CREDIT) {
    this.#window = Math.max(window, INITIAL_STREAM_CREDIT);
  }

  /** Connects the reader's side of the protocol (credit, cancel). @internal */
  attach(source: ConsumerSource): void {
    this.#source = source;
    if (this.#window > INITIAL_STREAM_CREDIT) source.credit(this.#window - INITIAL_STREAM_CREDIT);
  }

  /** True once the stream ended, failed or was cancelled. */
  get done(): boolean {
    return this.#ended;
  }

  /** A chunk arrived. @internal */
  push(value: unknown): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      this.#consumed++;
      this.#maybeGrant();
      w.resolve({ value, done: false });
    } else {
      this.#queue.push(value);
    }
  }

  /** The stream ended, normally or with `error`. @internal */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const w = this.#waiter;
    this.#waiter = undefined;
    if (!w) return;
    if (error !== undefined && this.#queue.length === 0) w.reject(error);
    else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#queue.length > 0) {
      const value = this.#queue.shift();
      this.#consumed++;
      this.#maybeGrant();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      if (this.#error !== undefined) {
        const error = this.#error;
        this.#error = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Stops reading: the producer is cancelled. (`break` in a for await loop calls this.) */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#queue.length = 0;
      this.#source?.cancel('the reader stopped');
    }
    this.#waiter?.resolve({ value: undefined, done: true });
    this.#waiter = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Grants credit back in half-window steps: fewer StreamCredit frames than one per chunk, never a stall. */
  #maybeGrant(): void {
    if (this.#consumed >= this.#window >> 1) {
      this.#source?.credit(this.#consumed);
      this.#consumed = 0;
    }
  }
}

/** The consumer as a ReadableStream, for streams that were ReadableStreams at the source. @internal */
export function toReadableStream(consumer: StreamConsumer): ReadableStream<unknown> {
  return new ReadableStream<unknown>({
    async pull(controller) {
      const r = await consumer.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel: () => void consumer.return(),
  }, { highWaterMark: 0 });
}

/** The error a stream ends with when the connection closes under it. @internal */
export function streamClosedError(): Error {
  return rpcError(RpcErrorCode.CLOSED, 'the connection closed before the stream ended');
}
