// Whole frames for the seed messages, encode + decode round trips: swarmwire (encodeFrame({type, body}) →
// decodeFrame → decodeBody, its own MessagePack codec, src/wire/msgpack/), the same with the CRC-32C trailer,
// msgpackr (pack/unpack: the fastest JavaScript MessagePack, the target's yardstick), @msgpack/msgpack alone (the codec
// swarmwire's frames used before, without a frame), and JSON (stringify + TextEncoder / TextDecoder + parse, the
// snapshot as base64). Then Ping's round trip taken apart, to show where its time goes.
import { isDeepStrictEqual } from 'node:util';
import { MessageType as T, decodeBody, init } from 'swarmwire';
import { Feature, decodeFrame, encodeFrame, encodeHeader, headerFields, pack, readHeader, unpack } from 'swarmwire/wire';
import { pack as msgpackrPack, unpack as msgpackrUnpack } from 'msgpackr';
import { Decoder, Encoder } from '@msgpack/msgpack';
import { measure, speedup } from './lib/measure.mjs';
import { randomBytes } from './lib/crc-check.mjs';
import { mark, sig } from './lib/table.mjs';

const PING_TARGET_NS = 300;

const MESSAGES = [
  { name: 'Ping', type: T.Ping, body: { timestamp: 1700000000000 } },
  {
    name: 'Discovery', type: T.Discovery,
    body: {
      role: 'relay', capabilities: ['rpc', 'stream', 'migration'],
      knownPeers: [{ id: 'node-7f3a9c', role: 'edge', rtt: 12 }, { id: 'node-2b8e41', role: 'core', rtt: 3 }, { id: 'node-c05d17', role: 'edge', rtt: 27 }],
    },
  },
  {
    name: 'AgentMigration', type: T.AgentMigration,
    body: { agentId: 'agent-42', from: 'node-7f3a9c', to: 'node-2b8e41', version: 3, snapshot: randomBytes(1024, 5) },
  },
  {
    name: 'LoadInfo', type: T.LoadInfo,
    body: { agents: 12, queueDepths: { high: 0, normal: 4, low: 17 }, eventLoopLagMs: 1.7, cpu: 0.42, memory: { rss: 73400320, heapUsed: 31457280 } },
  },
];

/** JSON has no bytes: a Uint8Array field travels as base64 (Node's Buffer codec, the fast one). */
function jsonCodec(body) {
  const binKeys = Object.keys(body).filter((k) => body[k] instanceof Uint8Array);
  const enc = new TextEncoder(), dec = new TextDecoder();
  const replacer = binKeys.length === 0 ? undefined : (k, v) => (binKeys.includes(k) ? Buffer.from(v).toString('base64') : v);
  return (value) => {
    const parsed = JSON.parse(dec.decode(enc.encode(JSON.stringify(value, replacer))));
    for (const k of binKeys) {
      const b = Buffer.from(parsed[k], 'base64');
      parsed[k] = new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
    return parsed;
  };
}

/** Plain data for comparison: byte arrays of any kind (Buffer, Uint8Array) as arrays of numbers. */
const plain = (v) => (v instanceof Uint8Array ? [...v] : Array.isArray(v) ? v.map(plain)
  : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);
const same = (a, b) => isDeepStrictEqual(plain(a), plain(b));

export async function run({ rounds, time }) {
  const encoder = new Encoder(), decoder = new Decoder();
  const codecs = [
    { name: 'swarmwire frame', roundTrip: (m) => () => decodeBody(decodeFrame(encodeFrame({ type: m.type, body: m.body }))) },
    {
      name: 'swarmwire frame + CRC-32C',
      roundTrip: (m) => () => decodeBody(decodeFrame(encodeFrame({ type: m.type, features: Feature.CHECKSUM, body: m.body }))),
    },
    { name: 'msgpackr', roundTrip: (m) => () => msgpackrUnpack(msgpackrPack(m.body)) },
    { name: '@msgpack/msgpack (no frame)', roundTrip: (m) => () => decoder.decode(encoder.encode(m.body)) },
    { name: 'JSON + TextEncoder', roundTrip: (m) => jsonCodec(m.body).bind(null, m.body) },
  ];
  await init(); // frames with a trailer checksum through the public crc32c(), as an application would
  const cases = [];
  for (const m of MESSAGES) {
    for (const c of codecs) {
      const fn = c.roundTrip(m);
      if (!same(fn(), m.body)) throw new Error(`[bench] ${c.name} does not round-trip ${m.name}`);
      cases.push({ name: `${c.name}:${m.name}`, fn });
    }
  }

  // Ping taken apart: each piece alone, with what it is made of.
  const ping = MESSAGES[0];
  const pingFrame = encodeFrame({ type: ping.type, body: ping.body });
  const decoded = decodeFrame(pingFrame);
  const fields = headerFields();
  const view = new DataView(pingFrame.buffer, pingFrame.byteOffset, pingFrame.length);
  const pieces = [
    { name: 'encodeFrame', fn: () => encodeFrame({ type: ping.type, body: ping.body }) },
    { name: 'decodeFrame', fn: () => decodeFrame(pingFrame) },
    { name: 'decodeBody', fn: () => decodeBody(decoded) },
    { name: '· pack (the body codec, plus a copy out of its slab)', fn: () => pack(ping.body) },
    { name: '· unpack (the body codec)', fn: () => unpack(decoded.payload) },
    { name: '· readHeader (reused DataView)', fn: () => readHeader(view, 0, fields) },
    { name: '  for comparison: @msgpack/msgpack Encoder.encodeSharedRef', fn: () => encoder.encodeSharedRef(ping.body) },
    { name: '  for comparison: @msgpack/msgpack Decoder.decode', fn: () => decoder.decode(decoded.payload) },
    { name: '  for comparison: msgpackr pack', fn: () => msgpackrPack(ping.body) },
    { name: '  for comparison: msgpackr unpack', fn: () => msgpackrUnpack(decoded.payload) },
    { name: '  for comparison: encodeHeader({ type }) (new bytes + DataView per call)', fn: () => encodeHeader({ type: ping.type }) },
    { name: '  for comparison: new Uint8Array(52) + new DataView', fn: () => new DataView(new Uint8Array(52).buffer) },
    { name: '  for comparison: new DataView(bytes.buffer, offset, length)', fn: () => new DataView(pingFrame.buffer, pingFrame.byteOffset, pingFrame.length) },
    {
      name: '  for comparison: two u64 joins as BigInt (non-zero ids)',
      fn: () => ({ requestId: (BigInt(fields.requestHi + 1) << 32n) | BigInt(fields.requestLo), moduleId: (BigInt(fields.moduleHi + 1) << 32n) | BigInt(fields.moduleLo) }),
    },
  ];
  for (const p of pieces) cases.push({ name: `piece:${p.name}`, fn: p.fn });

  const results = await measure(cases, { rounds, time });
  const r = (name) => results.find((x) => x.name === name);
  const ours = codecs[0].name;
  const rows = MESSAGES.map((m) => {
    const row = { message: m.name, 'payload B': encoder.encode(m.body).length };
    for (const c of codecs) row[`${c.name} ns`] = sig(r(`${c.name}:${m.name}`).ns);
    row['× msgpackr'] = sig(speedup(r(`msgpackr:${m.name}`), r(`${ours}:${m.name}`)));
    row['× JSON'] = sig(speedup(r(`JSON + TextEncoder:${m.name}`), r(`${ours}:${m.name}`)));
    return row;
  });
  const pingNs = r(`${ours}:Ping`).ns;
  const pieceRows = pieces.map((p) => ({ piece: p.name, ns: sig(r(`piece:${p.name}`).ns) }));

  return {
    tables: [
      {
        title: 'Frames: encode + decode round trip, ns; × = how many times faster swarmwire is (below 1: slower), paired by round',
        columns: ['message', 'payload B', ...codecs.map((c) => `${c.name} ns`), '× msgpackr', '× JSON'],
        rows,
        notes: [`Target: Ping round trip ≤ ${PING_TARGET_NS} ns: ${sig(pingNs)} ns ${mark(pingNs <= PING_TARGET_NS)} (fastest round ${sig(r(`${ours}:Ping`).best)} ns).`],
      },
      {
        title: 'Ping (20-byte payload) taken apart: ns per piece; · marks parts of the three calls above them',
        columns: ['piece', 'ns'],
        rows: pieceRows,
        notes: [
          'encodeFrame writes the body with src/wire/msgpack/ straight behind the room for the header, in a 64 KiB slab; decodeBody reads a ' +
            "Ping's body as a known map (src/wire/msgpack/known.ts: its key's bytes compared in place, the value by the same bounded reader as " +
            'every payload), unpack any body the generic way (short keys from its cache). decodeFrame reads the header from the bytes (no DataView, no bytes.buffer).',
          'new DataView(u8.buffer) on a small new Uint8Array also makes V8 move its bytes off the heap, hence its cost.',
        ],
      },
    ],
    readme: {
      title: 'Frames: encode + decode round trip (ns)',
      columns: ['message', 'swarmwire', 'swarmwire + CRC', 'msgpackr', 'JSON', '× msgpackr', 'target'],
      rows: rows.map((row) => ({
        message: `${row.message} (${row['payload B']} B)`, swarmwire: row[`${ours} ns`], 'swarmwire + CRC': row['swarmwire frame + CRC-32C ns'],
        msgpackr: row['msgpackr ns'], JSON: row['JSON + TextEncoder ns'], '× msgpackr': row['× msgpackr'],
        target: row.message === 'Ping' ? `≤ ${PING_TARGET_NS} ns ${mark(pingNs <= PING_TARGET_NS)}` : '',
      })),
    },
    summary: { pingNs },
    raw: results,
  };
}
