// What a peer's Grant (its authorize hook's answer) lets it do through this relay, as checks on the hashes the
// frames carry: a module is named on the wire by fnv1a64 of its name, so the names are hashed once, at join.
import { fnv1a64 } from '../wire/fnv.js';
import { type Grant, granted } from '../session/auth.js';

/** The checks of one peer's grant. */
export interface Permits {
  /** May it call a method of the module with this id (on the relay, or routed to any node)? */
  call(moduleId: bigint): boolean;
  /** May it broadcast to `topic` (undefined: to everyone)? */
  publish(topic: string | undefined): boolean;
  subscribe(topic: string): boolean;
}

/** The checks for `grant`, or undefined when it allows everything (no grant, or none of its lists set). */
export function permits(grant: Grant | undefined): Permits | undefined {
  if (!grant || (grant.modules === undefined && grant.publish === undefined && grant.subscribe === undefined)) return undefined;
  const modules = grant.modules === undefined || grant.modules === '*' ? undefined : new Set(grant.modules.map((m) => fnv1a64(m)));
  return {
    call: (id) => !modules || modules.has(id),
    publish: (topic) => (topic === undefined ? grant.publish === undefined || grant.publish === '*' : granted(grant, 'publish', topic)),
    subscribe: (topic) => granted(grant, 'subscribe', topic),
  };
}
