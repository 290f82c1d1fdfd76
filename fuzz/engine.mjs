// The fuzz engine: for each target, a stream of inputs from two sources, both seeded so any run can be replayed —
// fast-check arbitraries (structured values: frames with random fields, MessagePack of arbitrary values, Hello-like
// maps with wrong types) and a mutation fuzzer seeded from valid frames (bit flips, interesting integers, splices,
// truncation, duplication; half the time the CRC-32C trailer is fixed up afterwards so mutations reach the parsers
// behind the checksum). Every input that makes a target misbehave, or takes longer than `slowMs`, is a finding.
import fc from 'fast-check';
import * as root from 'swarmwire';
import * as wire from 'swarmwire/wire';
import * as transport from 'swarmwire/transport';
import { Op } from '../src/rpc/messages.ts';
import { Finding, TARGETS } from './targets.mjs';
// One namespace for the targets: the public entries, and the internals a fuzzer reaches for (run from the source:
// vitest, or scripts/run-source.mjs for `npm run fuzz`).
const sw = { ...root, ...wire, ...transport, Op };

/** The SDK's own seeded generator (mulberry32): the same sequence for the same seed on every runtime. */
export const prng = sw.seededRandom;

const hexOf = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
export const fromHex = (hex) => new Uint8Array(Buffer.from(hex.trim(), 'hex'));

const T = sw.MessageType;
// A real key pair, so seeded Hellos pass the id check and mutations reach what lies behind it.
const IDENTITY = await sw.createIdentity();
const NODE = IDENTITY.id;
const HELLO = {
  version: 2, minVersion: 2, nodeId: NODE, role: 'edge', capabilities: ['rpc'], features: 0x2b, maxPayload: 1 << 20, metadata: { name: 'fuzz' }, token: 'secret',
  alg: 1, key: IDENTITY.publicKey, nonce: new Uint8Array(32).fill(3),
};

/** Valid inputs the mutation fuzzer starts from, per target family. */
function corpus() {
  const f = (init) => sw.encodeFrame(init);
  const frames = [
    f({ type: T.Hello, body: HELLO }),
    f({ type: T.Hello, body: HELLO, features: sw.Feature.CHECKSUM }),
    f({ type: T.HelloAck, body: { ...HELLO, role: 'relay', proof: new Uint8Array(64).fill(5) } }),
    f({ type: T.HelloProof, body: { proof: new Uint8Array(64).fill(6) } }),
    f({ type: T.HelloDone }),
    f({ type: T.Ping, requestId: 7, body: { timestamp: 1700000000000 }, features: sw.Feature.CHECKSUM }),
    f({ type: T.Pong, requestId: 7, body: { timestamp: 1700000000000 } }),
    f({ type: T.Ack, requestId: 9 }),
    f({ type: T.Goodbye, body: { code: 1000, reason: 'bye' } }),
    f({ type: T.Error, body: { status: 5, message: 'quota' } }),
    f({ type: T.Request, requestId: 1, moduleId: sw.fnv1a64('relay'), methodHash: sw.fnv1a32('echo'), body: ['hi', { a: [1, 2.5, null, true] }] }),
    f({ type: T.Event, requestId: 3, features: sw.Feature.ACK_REQUIRED | sw.Feature.CHECKSUM, body: { topic: 't', data: new Uint8Array(40) } }),
    f({ type: T.Routed, body: { to: NODE, ttl: 16, hops: 0, frame: f({ type: T.Event, body: 1 }) } }),
    f({ type: T.StreamData, requestId: 2, payload: new Uint8Array(300).map((_, i) => i) , features: sw.Feature.CHECKSUM }),
    f({ type: T.Event, features: sw.Feature.COMPRESSED, payload: new Uint8Array([0x4b, 0x4c, 0x04, 0x00]) }), // deflate-raw of "ab"-ish
  ];
  const batch = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  frames.push(batch(frames[3], frames[5], frames[9]), batch(frames[5], frames[5]));
  const payloads = [
    sw.pack(HELLO), sw.pack({ timestamp: 1 }), sw.pack(['a', 1, -1, 1.5, null, true, new Uint8Array(3), { k: 'v' }]),
    sw.pack({ status: 3, message: 'x', data: { nested: [[[[]]]] } }), sw.pack('x'.repeat(40)), sw.pack(2 ** 40),
    fromHex('82a9636f6e7374727563746f7281a970726f746f7479706581a1780ca161c0'), // {constructor:{prototype:{x:12}}, a:nil}
    fromHex('81a95f5f70726f746f5f5f81a17801'), // {__proto__: {x: 1}}
    fromHex('dd7fffffff'), fromHex('df7fffffff'), fromHex('c6ffffffff'), fromHex('c7ff01'), // huge announced sizes
  ];
  const CALC = sw.fnv1a64('calc');
  const req = (method, body, extra = {}) => f({ type: T.Request, requestId: 1, moduleId: CALC, methodHash: sw.fnv1a32(method), body, ...extra });
  const rpc = [
    req('add', [2, 3]), req('echo', [{ a: [1, 'x', null] }]), req('fail', []), req('three', []),
    req('x', { op: sw.Op.Apply, path: ['nested', 'inner', 'ping'], args: [] }), req('x', { op: sw.Op.Get, path: ['value'] }),
    req('x', { op: sw.Op.Set, path: ['value'], value: 9 }), req('x', { op: sw.Op.Describe }), req('x', { op: sw.Op.Release }),
    req('x', { op: sw.Op.Apply, path: ['add', 'constructor'], args: ['return process'] }),
    f({ type: T.Cancel, requestId: 1, moduleId: CALC }), f({ type: T.StreamCredit, requestId: 1, body: 4 }), f({ type: T.StreamCancel, requestId: 1 }),
    req('add', [1, 2], { features: sw.Feature.ACK_REQUIRED }),
  ];
  // Arguments and stream chunks holding extension values nested in each other, bombs included.
  const value = (hex, type = T.Request) => f({ type, requestId: 1, moduleId: type === T.Request ? CALC : 7n, methodHash: sw.fnv1a32('echo'), payload: fromHex(`91${hex}`) });
  const rpcValues = [
    value(extHex(6, `9192a16b${extHex(7, `91${extHex(3, '81a76d657373616765a178')}`)}`)), // Map { k: Set { Error('x') } }
    value(extHex(4, '3132333435')), value(extHex(5, '0102')), value(extHex(1, '01')), value(extHex(2, '920100')),
    value(extHex(6, 'dd01ffffff')), value(extHex(7, `dd01ffffff${extHex(6, 'dd01ffffff')}`)), value(extHex(127, '00')),
    value(extHex(7, `91${extHex(7, '9101')}`), T.StreamData),
  ];
  return { frames, payloads, rpc, rpcValues };
}

/** MessagePack (hex) of an extension of `type` around `data` (hex), in the smallest header for its length. */
export function extHex(type, data) {
  const n = data.length / 2;
  const t = (type & 0xff).toString(16).padStart(2, '0');
  if ([1, 2, 4, 8, 16].includes(n)) return `${(0xd4 + Math.log2(n)).toString(16)}${t}${data}`;
  if (n < 0x100) return `c7${n.toString(16).padStart(2, '0')}${t}${data}`;
  if (n < 0x10000) return `c8${n.toString(16).padStart(4, '0')}${t}${data}`;
  return `c9${n.toString(16).padStart(8, '0')}${t}${data}`;
}

// --- mutation -------------------------------------------------------------------------------------------------

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x40, 0x41, 0x4d, 0xc0, 0xc1, 0xdc, 0xdd, 0xde, 0xdf];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x04000000, 0x04000001, 0xffff, 0x10000, 32, 31];

export function mutate(input, rand, pool) {
  let bytes = input.slice();
  const n = 1 + Math.floor(rand() * (rand() < 0.7 ? 3 : 12));
  const pos = () => Math.floor(rand() * Math.max(1, bytes.length));
  for (let i = 0; i < n; i++) {
    const op = Math.floor(rand() * 10);
    if (bytes.length === 0 && op < 6) {
      bytes = new Uint8Array([Math.floor(rand() * 256)]);
      continue;
    }
    switch (op) {
      case 0: { // flip a bit
        const p = pos();
        bytes[p] ^= 1 << Math.floor(rand() * 8);
        break;
      }
      case 1: // set a byte
        bytes[pos()] = Math.floor(rand() * 256);
        break;
      case 2: // an interesting byte
        bytes[pos()] = INTERESTING_8[Math.floor(rand() * INTERESTING_8.length)];
        break;
      case 3: { // an interesting u32, big endian (header fields, MessagePack lengths)
        const p = pos();
        const v = INTERESTING_32[Math.floor(rand() * INTERESTING_32.length)];
        for (let k = 0; k < 4 && p + k < bytes.length; k++) bytes[p + k] = (v >>> (24 - 8 * k)) & 0xff;
        break;
      }
      case 4: { // the header's payload_len or features, where most logic branches
        if (bytes.length >= 32) {
          if (rand() < 0.5) new DataView(bytes.buffer, bytes.byteOffset).setUint32(28, rand() < 0.5 ? Math.floor(rand() * 2 * bytes.length) : INTERESTING_32[Math.floor(rand() * INTERESTING_32.length)]);
          else bytes[7] ^= 1 << Math.floor(rand() * 8);
        }
        break;
      }
      case 5: { // truncate
        bytes = bytes.subarray(0, pos()).slice();
        break;
      }
      case 6: { // delete a range
        const a = pos();
        const b = Math.min(bytes.length, a + 1 + Math.floor(rand() * 16));
        bytes = Uint8Array.from([...bytes.subarray(0, a), ...bytes.subarray(b)]);
        break;
      }
      case 7: { // insert random bytes
        const a = pos();
        const ins = Array.from({ length: 1 + Math.floor(rand() * 16) }, () => Math.floor(rand() * 256));
        bytes = Uint8Array.from([...bytes.subarray(0, a), ...ins, ...bytes.subarray(a)]);
        break;
      }
      case 8: { // duplicate a range (repeated frames, repeated map entries)
        const a = pos();
        const b = Math.min(bytes.length, a + 1 + Math.floor(rand() * 64));
        bytes = Uint8Array.from([...bytes.subarray(0, b), ...bytes.subarray(a, b), ...bytes.subarray(b)]);
        break;
      }
      default: { // splice with another corpus item
        const other = pool[Math.floor(rand() * pool.length)];
        const a = pos();
        const b = Math.floor(rand() * Math.max(1, other.length));
        bytes = Uint8Array.from([...bytes.subarray(0, a), ...other.subarray(b)]);
      }
    }
  }
  return bytes;
}

/** Recomputes the CRC-32C trailer of a single frame whose header is intact, so the mutation reaches the payload. */
function fixChecksum(bytes) {
  if (bytes.length < 36) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== sw.MAGIC || !(view.getUint16(6) & sw.Feature.CHECKSUM)) return bytes;
  const end = 32 + view.getUint32(28);
  if (end + 4 > bytes.length) return bytes;
  view.setUint32(end, sw.crc32c(bytes.subarray(0, end)));
  return bytes;
}

/** Wraps a payload in a frame of `type` (with a valid checksum half the time). */
function frameOf(type, payload, rand) {
  return sw.encodeFrame({ type, payload, features: rand() < 0.5 ? sw.Feature.CHECKSUM : 0 });
}

// --- generation -------------------------------------------------------------------------------------------------

const TYPES = Object.values(T);
const arbFrame = fc.record({
  type: fc.constantFrom(...TYPES),
  features: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 8, 0x20, 0x28, 0x10)),
  requestId: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  moduleId: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  methodHash: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.anything({ maxDepth: 3, withTypedArray: true, withBigInt: false }).map((v) => safePack(v))),
}).map((init) => sw.encodeFrame(init));
const arbFrames = fc.oneof(
  { weight: 3, arbitrary: arbFrame },
  { weight: 1, arbitrary: fc.array(arbFrame, { minLength: 2, maxLength: 4 }).map(concat) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }) },
);
const arbValue = fc.oneof(
  fc.anything({ maxDepth: 4, withTypedArray: true, withNullPrototype: true, withObjectString: true }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'x'), fc.anything({ maxDepth: 2 })),
);
const arbHelloValue = fc.record({
  version: fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 300 }), fc.double(), fc.string()),
  minVersion: fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 300 })),
  nodeId: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 20 }), fc.string()),
  role: fc.oneof(fc.constantFrom('edge', 'relay', 'core'), fc.string(), fc.integer()),
  capabilities: fc.oneof(fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }), fc.string()),
  features: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer(), fc.double()),
  maxPayload: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.double(), fc.constant(-1)),
  metadata: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a'), fc.anything({ maxDepth: 2 })), fc.anything({ maxDepth: 1 })),
  token: fc.oneof(fc.constant(undefined), fc.string(), fc.integer()),
  alg: fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: -1, max: 300 }), fc.string()),
  key: fc.oneof(fc.constant(IDENTITY.publicKey), fc.uint8Array({ maxLength: 300 }), fc.string()),
  nonce: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.integer()),
  proof: fc.oneof(fc.constant(undefined), fc.uint8Array({ maxLength: 300 })),
}, { requiredKeys: [] });

/**
 * MessagePack (hex) of values made of the RPC extension types nested in each other — Map, Set, Error, Stream, Proxy
 * payloads holding more of them — with scalars, bigint digits, and array and map headers that announce more than
 * follows (`dd01ffffff`: 2^25 − 1 elements), at any level.
 */
const arbRpcValueHex = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('c0', '01', 'ff', 'a161', 'cb3ff8000000000000', '90', '80', 'dd01ffffff', 'df01ffffff', 'dc7fff', 'c6ffffffff00', 'c1', 'a9' + '5f5f70726f746f5f5f'),
    fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 127, -1, 42), tie('value')).map(([type, data]) => extHex(type, data)),
    fc.string({ unit: fc.constantFrom('0', '9', '-', 'x'), maxLength: 12 }).map((digits) => extHex(4, Buffer.from(digits).toString('hex'))),
    fc.tuple(fc.constantFrom('91', '92', '93', 'dc0001', 'dd00000002', 'dd01ffffff'), fc.array(tie('value'), { maxLength: 3 })).map(([h, items]) => h + items.join('')),
    fc.tuple(fc.constantFrom('81', '82', 'df01ffffff'), fc.array(fc.tuple(fc.constantFrom('a161', 'a162', '01', '90', 'a95f5f70726f746f5f5f'), tie('value')), { maxLength: 2 })).map(([h, e]) => h + e.flat().join('')),
  ),
})).value;
/** A chain of `levels` extensions of the given types, each holding the next (and a bomb, sometimes). */
const arbExtChain = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.array(fc.constantFrom(1, 2, 3, 6, 7), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, types, bomb]) => {
    let hex = '01';
    for (let i = 0; i < levels; i++) {
      const type = types[i % types.length];
      hex = extHex(type, type === 3 ? `81a16b${hex}` : `${bomb ? 'dd01ffffff' : '91'}${hex}`);
    }
    return hex;
  });

function safePack(value) {
  try {
    return sw.pack(value);
  } catch {
    return new Uint8Array(0);
  }
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** What each target's generated (fast-check) inputs are. */
function generatorFor(target) {
  switch (target) {
    case 'frame':
    case 'framer':
      return arbFrames;
    case 'payload':
      return fc.oneof(arbValue.map(safePack), fc.uint8Array({ maxLength: 64 }));
    case 'hello':
      return fc.oneof(arbHelloValue.map(safePack), arbValue.map(safePack));
    case 'handshake':
      return fc.tuple(fc.oneof(arbHelloValue.map(safePack), arbValue.map(safePack)), fc.constantFrom(T.Hello, T.Hello, T.HelloAck, T.Request), fc.boolean())
        .map(([payload, type, checksum]) => sw.encodeFrame({ type, payload, features: checksum ? sw.Feature.CHECKSUM : 0 }));
    case 'rpc':
      return fc.tuple(
        fc.constantFrom('add', 'echo', 'fail', 'three', 'x', 'constructor', '__proto__', 'toString', ''),
        fc.oneof(fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 4 }), fc.record({
          op: fc.oneof(fc.constantFrom(...Object.values(sw.Op)), fc.integer()),
          path: fc.array(fc.constantFrom('add', 'nested', 'inner', 'ping', 'value', '__proto__', 'constructor', 'prototype', 'three'), { maxLength: 4 }),
          args: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
          value: fc.anything({ maxDepth: 2 }),
        }, { requiredKeys: [] }), fc.anything({ maxDepth: 2 })),
        fc.constantFrom(T.Request, T.Request, T.Cancel, T.StreamCredit, T.StreamCancel, T.StreamData),
        fc.bigInt({ min: 0n, max: 5n }),
      ).map(([method, body, type, id]) => sw.encodeFrame({ type, requestId: id, moduleId: sw.fnv1a64('calc'), methodHash: sw.fnv1a32(method), payload: safePack(body) }));
    case 'rpcValue':
      return fc.tuple(fc.oneof(arbRpcValueHex, arbExtChain), fc.constantFrom(T.Request, T.Request, T.Request, T.StreamData), fc.constantFrom('echo', 'add'))
        .map(([hex, type, method]) => sw.encodeFrame({
          type, requestId: 1, moduleId: type === T.Request ? sw.fnv1a64('calc') : 7n, methodHash: sw.fnv1a32(method), payload: fromHex(`91${hex}`),
        }));
    case 'session':
      return fc.oneof(arbFrames, fc.tuple(fc.constantFrom(T.Pong, T.Goodbye, T.Error, T.Ack, T.Ping, T.Event, T.Hello), arbValue.map(safePack), fc.constantFrom(0, 0x10, 0x20, 0x08))
        .map(([type, payload, features]) => sw.encodeFrame({ type, payload, features })));
    default:
      throw new Error(`[fuzz] unknown target ${target}`);
  }
}

/** The seeds mutation starts from, per target. */
function seedsFor(target, c, rand) {
  switch (target) {
    case 'payload':
    case 'hello':
      return c.payloads;
    case 'handshake':
      return [...c.frames.slice(0, 3), ...c.payloads.map((p) => frameOf(T.Hello, p, rand))];
    case 'rpc':
      return c.rpc;
    case 'rpcValue':
      return c.rpcValues;
    default:
      return c.frames;
  }
}

/**
 * Runs `iterations` inputs through one target, half generated, half mutated. Returns counts, the rate, the slowest
 * input's time and every finding (with the input's hex, ready to be kept as a fixture).
 */
export async function fuzzTarget(target, { iterations, seed = 1, slowMs = 250, maxFindings = 20, onProgress } = {}) {
  const { run, async } = TARGETS[target];
  const rand = prng(seed);
  const c = corpus();
  const seeds = seedsFor(target, c, rand);
  const gen = generatorFor(target);
  const findings = [];
  const stats = { target, seed, inputs: 0, generated: 0, mutated: 0, rejectedOrAccepted: 0, findings, slowestMs: 0, retimed: 0, seconds: 0, rate: 0 };
  const started = performance.now();
  const BATCH = 2000;
  let batchNo = 0;
  while (stats.inputs < iterations && findings.length < maxFindings) {
    const count = Math.min(BATCH, iterations - stats.inputs);
    const half = count >> 1;
    const inputs = fc.sample(gen, { seed: (seed * 1_000_003 + batchNo++) | 0, numRuns: half });
    for (let i = half; i < count; i++) {
      let bytes = mutate(seeds[Math.floor(rand() * seeds.length)], rand, seeds);
      if (rand() < 0.5) bytes = fixChecksum(bytes);
      inputs.push(bytes);
    }
    for (let i = 0; i < inputs.length; i++) {
      const bytes = inputs[i];
      const t0 = performance.now();
      try {
        if (async) await run(bytes, rand);
        else run(bytes, rand);
      } catch (error) {
        const message = error instanceof Finding ? error.message : `harness error: ${error?.stack ?? error}`;
        findings.push({ target, hex: hexOf(bytes), message });
      }
      let ms = performance.now() - t0;
      if (ms > slowMs) {
        // A GC pause or a busy neighbour on a shared machine looks like a slow input: time it again, and keep
        // it only if it is slow every time.
        for (let k = 0; k < 3 && ms > slowMs; k++) {
          const t1 = performance.now();
          try {
            if (async) await run(bytes, prng(seed));
            else run(bytes, prng(seed));
          } catch {
            // a finding was recorded above already
          }
          ms = Math.min(ms, performance.now() - t1);
        }
        stats.retimed++;
        if (ms > slowMs) findings.push({ target, hex: hexOf(bytes), message: `slow input: ${ms.toFixed(0)} ms every time (limit ${slowMs} ms)` });
      }
      if (ms > stats.slowestMs) stats.slowestMs = ms;
      stats.inputs++;
      if (i < half) stats.generated++;
      else stats.mutated++;
    }
    onProgress?.(stats);
  }
  stats.seconds = (performance.now() - started) / 1000;
  stats.rate = Math.round(stats.inputs / stats.seconds);
  return stats;
}

/** Runs one recorded input through its target; throws the Finding if it still misbehaves. */
export async function replay(target, hex, seed = 1) {
  const { run } = TARGETS[target];
  await run(fromHex(hex), prng(seed));
}

export const TARGET_NAMES = Object.keys(TARGETS);
