// The ring loop yields after it delivers: listeners that answer from a promise continuation (a session handler, an
// RPC method, an awaited call) get to answer while the loop is still spinning for the reply. Its own file, because
// a thread's loop keeps the options of the first ring made in it.
import { beforeAll, expect, it } from 'vitest';
import { init } from 'swarmwire';
import { ringPair } from 'swarmwire/transport';
import { opened } from './transport-contract.js';

beforeAll(async () => {
  await init();
});

it('answers sent from promise continuations arrive without waiting out the spin', async () => {
  // A spin of 2 s: a loop that spun on after delivering would hold every answer below for 2 s.
  const [a, b] = ringPair({ spinMicros: 2_000_000 });
  await Promise.all([opened(a), opened(b)]);
  b.on('message', (frame) => {
    const copy = frame.slice();
    void Promise.resolve().then(() => b.send(copy));
  });
  let answered: ((bytes: Uint8Array) => void) | undefined;
  a.on('message', (frame) => answered?.(frame.slice()));
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) {
    const reply = new Promise<Uint8Array>((resolve) => (answered = resolve));
    a.send(Uint8Array.of(i, 1, 2, 3));
    expect([...(await reply)]).toEqual([i, 1, 2, 3]);
  }
  // Five round trips in one thread take microseconds; 1 s is only a bound far below the 10 s of the old behaviour.
  expect(performance.now() - t0).toBeLessThan(1000);
  a.close();
});
