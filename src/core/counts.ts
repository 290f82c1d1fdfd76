// How many of something each key holds (connections per remote address, sessions per address): counts that go up and
// down, with a key forgotten at zero so that keys an attacker makes up do not pile up once their count is back to 0.

export class Counts {
  readonly #counts = new Map<string, number>();

  /** How many `key` holds now. */
  of(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string): void {
    this.#counts.set(key, this.of(key) + 1);
  }

  /** Takes one away from `key` (which must hold one). */
  remove(key: string): void {
    const left = this.of(key) - 1;
    if (left <= 0) this.#counts.delete(key);
    else this.#counts.set(key, left);
  }
}
