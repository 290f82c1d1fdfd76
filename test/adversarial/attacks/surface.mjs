// Attack 6: probing what an exposed object lets a stranger reach — an honest peer's expose() (module "target", see
// harness/target.mjs) and the relay's dashboard agent, both shared with honest callers. Requests in both the plain
// form (method_hash of a name) and the extended form (`{ op, path, args, value }`), Routed through the relay.
import { check } from '../harness/arena.mjs';
import { fnv1a32, fnv1a64 } from '../harness/sdk.mjs';
import { S, T, isTypedErrorBody, pack } from '../harness/wire.mjs';

const OP = { get: 1, set: 2, apply: 3, describe: 4 };
/** Names that must never be reachable: the prototype's and Function's members, privates, symbols by name. */
const FORBIDDEN = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '__lookupGetter__',
  'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'call', 'apply', 'bind', 'caller', 'arguments',
  '#secret', '#reveal', 'Symbol(swarmwire.attack)', 'Symbol.for(swarmwire.attack)', 'Symbol.iterator', '@@iterator',
];
/** Statuses a refused write may carry: not there, not allowed, or a bad request — never success or "it ran". */
const REFUSED = new Set([S.ModuleNotFound, S.MethodNotFound, S.InvalidFrame, S.Unauthorized]);

const show = (a) => (a === undefined ? 'no answer' : a.frame.type === T.Error ? `Error ${a.body?.status} ${a.body?.message ?? ''}`.slice(0, 80) : `Response ${JSON.stringify(a.body)?.slice(0, 40)}`);
const isError = (a, statuses) => a?.frame.type === T.Error && isTypedErrorBody(a.body) && statuses.has(a.body.status);

export const rpcSurface = {
  title: 'RPC surface probing: prototype, private and symbol names, path walks to constructors, writes onto methods / setters / data, getters — on an expose() and on the dashboard agent',
  layers: 'Routed → Request (plain and extended form) → member lookup',
  async run(arena) {
    const outsider = await arena.outsider();
    const targets = [{ to: arena.ids.bob, module: 'target', method: 'add' }, { to: arena.ids.agent, module: 'dashboard', method: 'agents' }];
    let tried = 0;
    const plain = (t, name, args = []) => (tried++, outsider.request(t.to, { moduleId: fnv1a64(t.module), methodHash: fnv1a32(name), payload: pack(args) }));
    const extended = (t, body) => (tried++, outsider.request(t.to, { moduleId: fnv1a64(t.module), methodHash: fnv1a32(body.path.join('.')), payload: pack(body) }));

    const reachable = [];
    const walks = [['add', 'constructor'], ['nested', '__proto__', 'toString'], ['nested', 'deep', 'constructor'], ['agents', 'constructor'], ['migrate', 'call']];
    for (const t of targets) {
      for (const name of FORBIDDEN) {
        for (const [what, a] of [
          [`plain ${name}()`, await plain(t, name)],
          [`plain ${name}('x')`, await plain(t, name, ['x'])],
          [`get ${name}`, await extended(t, { op: OP.get, path: [name] })],
          [`apply ${name}`, await extended(t, { op: OP.apply, path: [name], args: [] })],
        ]) if (!isError(a, new Set([S.MethodNotFound]))) reachable.push(`${t.module} ${what}: ${show(a)}`);
      }
      for (const path of walks) {
        const a = await extended(t, { op: OP.apply, path, args: ['return process.pid'] });
        if (!isError(a, new Set([S.MethodNotFound]))) reachable.push(`${t.module} apply ${path.join('.')}: ${show(a)}`);
      }
    }

    // Writes nobody opted in to: onto methods, through a setter, onto data, onto the prototype chain.
    const written = [];
    const writes = [
      [targets[0], ['add'], 'overwritten'], [targets[0], ['mode'], 'hacked'], [targets[0], ['reads'], 1e9], [targets[0], ['nested', 'deep', 'value'], 2],
      [targets[0], ['__proto__', 'polluted'], true], [targets[0], ['nested', '__proto__', 'polluted'], true], [targets[0], ['constructor', 'prototype', 'polluted'], true],
      [targets[1], ['agents'], 1], [targets[1], ['migrate'], 0], [targets[1], ['__proto__', 'polluted'], true],
    ];
    for (const [t, path, value] of writes) {
      const a = await extended(t, { op: OP.set, path, value });
      if (!isError(a, REFUSED)) written.push(`${t.module} set ${path.join('.')}: ${show(a)}`);
    }

    // A getter with a side effect, read three times in the plain form and twice in the extended form.
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push((await plain(targets[0], 'counter'))?.body);
    for (let i = 0; i < 2; i++) reads.push((await extended(targets[0], { op: OP.get, path: ['counter'] }))?.body);
    // Judged on the reads that gave a number (a form that refuses property reads runs no getter).
    const numbers = reads.filter((v) => typeof v === 'number');
    const steps = numbers.slice(1).map((v, i) => v - numbers[i]);

    const underscore = show(await plain(targets[0], '_internal'));
    const state = (await plain(targets[0], 'state'))?.body;
    const add = (await plain(targets[0], 'add', [2, 3]))?.body;
    const agents = await plain(targets[1], 'agents');
    return {
      tried,
      checks: [
        check('prototype, private and symbol names, and walks to constructors, answer MethodNotFound', reachable.length === 0, reachable.slice(0, 6).join('; ')),
        check('writes nobody opted in to are refused (methods, setters, data, prototypes; on both modules)', written.length === 0, written.join('; ')),
        check('a getter runs once per read', numbers.length >= 2 && steps.every((s) => s === 1), `reads gave ${reads.map((r) => JSON.stringify(r)).join(', ')}`),
        check('afterwards add still adds, the setter never ran, Object.prototype is untouched', add === 5 && state?.modeValue === 'unset' && state?.addIsMethod === true && state?.polluted === false && state?.objectPrototypeKeys?.length === 0,
          `add(2, 3) = ${JSON.stringify(add)}, state ${JSON.stringify(state)}`),
        check('afterwards the dashboard still answers agents()', agents?.frame.type === T.Response && Array.isArray(agents.body), show(agents)),
      ],
      notes: `_internal (an own member, reachable as documented): ${underscore}`,
    };
  },
};
