// What an agent is made of, seen from outside: its callable methods, and its state when it has no snapshot().

/** An agent: any object. Its methods are what callers call; snapshot()/restore() are used when it moves. */
export interface Agent {
  /** The state to carry to another node (MessagePack-encodable). Default: the own enumerable data properties. */
  snapshot?(): unknown;
  /** Takes the state back on the new node. Default: Object.assign onto the new instance. */
  restore?(state: unknown): void;
}

const NOT_CALLABLE = /* @__PURE__ */ new Set(['constructor', 'snapshot', 'restore']);

/** Method names callable on `agent`: its functions, up its prototype chain, short of Object.prototype. */
export function methodsOf(agent: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = agent; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (NOT_CALLABLE.has(name) || name.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (d && typeof d.value === 'function') names.add(name);
    }
  }
  return [...names];
}

/** The agent's state: snapshot() if it has one, else its own enumerable properties that are not functions. */
export function takeSnapshot(agent: Agent): unknown {
  if (typeof agent.snapshot === 'function') return agent.snapshot();
  const state: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(agent)) if (typeof v !== 'function') state[k] = v;
  return state;
}

/** Gives `state` to a freshly built agent: restore() if it has one, else Object.assign. */
export function restoreSnapshot(agent: Agent, state: unknown): void {
  if (typeof agent.restore === 'function') agent.restore(state);
  else if (state && typeof state === 'object') Object.assign(agent, state);
}
