// The object an honest peer exposes (module "target") for attackers to probe and fuzz: methods, a getter that
// counts its reads, a setter, nested objects, a private field and method, a symbol-keyed member. The honest peers
// call `add` on the same shared object all along, so a caller that rewrites it breaks honest traffic visibly.
export class Target {
  #secret = 'private field';
  _internal = 'underscore member';
  reads = 0;
  modeValue = 'unset';
  nested = { deep: { value: 1, fn: () => 'deep' } };

  add(a, b) {
    return a + b;
  }

  echo(x) {
    return x;
  }

  /** A getter with a side effect: each read through RPC must run it exactly once. */
  get counter() {
    return ++this.reads;
  }

  set mode(value) {
    this.modeValue = value;
  }

  #reveal() {
    return this.#secret;
  }

  /** What a write or a prototype walk could have changed here. */
  state() {
    return {
      modeValue: this.modeValue,
      addIsMethod: typeof this.add === 'function' && this.add === Target.prototype.add,
      objectPrototypeKeys: Object.getOwnPropertyNames(Object.prototype).filter((k) => !PRISTINE.has(k)),
      polluted: Object.keys({}.__proto__).length > 0 || ({}).polluted !== undefined,
    };
  }

  [Symbol.for('swarmwire.attack')]() {
    return this.#reveal();
  }
}

const PRISTINE = new Set(Object.getOwnPropertyNames(Object.prototype));
