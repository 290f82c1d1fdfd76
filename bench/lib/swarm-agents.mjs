// The agent kinds bench/swarm.bench.mjs's swarm loads (LoadModule): Adder, the callee, and Caller, which calls an
// Adder in another worker through the host it lives on, `window` calls in flight, until it has made `count`.
export class Adder {
  add(a, b) {
    return a + b;
  }
}

export class Caller {
  #host;
  constructor(host) {
    this.#host = host;
  }
  /** Makes `count` calls of add(i, 1) to the agent `target`, `window` at a time; returns the sum of the answers. */
  async run(target, count, window) {
    return callMany((i) => this.#host.call(target, 'add', [i, 1]), count, window);
  }
}

/** `count` calls of `call(i)`, `window` in flight at once; the sum of what they answered (checked by the bench). */
export async function callMany(call, count, window) {
  let next = 0;
  let sum = 0;
  const lane = async () => {
    while (next < count) {
      const answer = await call(next++); // not `sum += await …`: that reads sum before the wait
      sum += answer;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  return sum;
}
