// The 32-byte header: encode, decode, and both. swarmwire's hot path (writeHeader/readHeader on a reused DataView and
// HeaderFields), the same with a new DataView per call, a BigInt-based JavaScript codec written here as the
// reference design, and the friendly encodeHeader/decodeHeader. Every decoder validates magic, version, type and
// length alike. (A wasm header codec was timed here too, at 1.9× the hot path's time; nothing used it, and it left
// the wasm core — docs/architecture.md, "Where JavaScript and wasm each run".)
import * as root from 'swarmwire';
import * as wire from 'swarmwire/wire';
import { measure, speedup } from './lib/measure.mjs';
import { mark, sig } from './lib/table.mjs';

const sw = { ...root, ...wire };

const TARGET_NS = 30; // hot path, encode + decode
const MEMLINK = { encode: 46, decode: 37 }; // memlink-protocol's native Rust, ns (its published figures)

const init = {
  type: sw.MessageType.Request, features: sw.Feature.CHECKSUM, requestId: 0x1234567890abcdefn,
  moduleId: sw.fnv1a64('relay'), methodHash: sw.fnv1a32('echo'), payloadLength: 1200,
};

/** The reference design: u64 fields as bigint through DataView's BigInt accessors, into a reused object. */
function bigintCodec() {
  const known = new Uint8Array(256);
  for (const t of Object.values(sw.MessageType)) known[t] = 1;
  return {
    encode(view, h) {
      view.setUint32(0, sw.MAGIC);
      view.setUint8(4, sw.VERSION);
      view.setUint8(5, h.type);
      view.setUint16(6, h.features);
      view.setBigUint64(8, h.requestId);
      view.setBigUint64(16, h.moduleId);
      view.setUint32(24, h.methodHash);
      view.setUint32(28, h.payloadLength);
    },
    decode(view, out) {
      if (view.getUint32(0) !== sw.MAGIC || view.getUint8(4) !== sw.VERSION || known[view.getUint8(5)] !== 1) throw new Error('bad header');
      const payloadLength = view.getUint32(28);
      if (payloadLength > sw.MAX_PAYLOAD) throw new Error('too large');
      out.version = sw.VERSION;
      out.type = view.getUint8(5);
      out.features = view.getUint16(6);
      out.requestId = view.getBigUint64(8);
      out.moduleId = view.getBigUint64(16);
      out.methodHash = view.getUint32(24);
      out.payloadLength = payloadLength;
      return out;
    },
  };
}

export async function run({ rounds, time }) {
  // swarmwire's hot path: one buffer, one DataView, one HeaderFields, all reused.
  const buf = new ArrayBuffer(64);
  const view = new DataView(buf);
  const fields = sw.headerFields();
  Object.assign(fields, { version: sw.VERSION, type: init.type, features: init.features, requestHi: 0x12345678, requestLo: 0x90abcdef,
    moduleHi: Number(init.moduleId >> 32n), moduleLo: Number(init.moduleId & 0xffffffffn), methodHash: init.methodHash, payloadLength: 1200 });
  const out = sw.headerFields();
  sw.writeHeader(view, 0, fields);
  const bytes = new Uint8Array(buf, 0, 32);

  const big = bigintCodec();
  const bigFields = { type: init.type, features: init.features, requestId: init.requestId, moduleId: init.moduleId, methodHash: init.methodHash, payloadLength: 1200 };
  const bigOut = { ...bigFields, version: 0 };

  const variants = [
    {
      name: 'swarmwire hot path', detail: 'writeHeader/readHeader, reused DataView + HeaderFields',
      encode: () => sw.writeHeader(view, 0, fields), decode: () => sw.readHeader(view, 0, out),
      both: () => { sw.writeHeader(view, 0, fields); return sw.readHeader(view, 0, out); },
    },
    {
      name: 'swarmwire hot path, new DataView', detail: 'as above, a DataView made per call',
      encode: () => sw.writeHeader(new DataView(buf), 0, fields), decode: () => sw.readHeader(new DataView(buf), 0, out),
      both: () => { sw.writeHeader(new DataView(buf), 0, fields); return sw.readHeader(new DataView(buf), 0, out); },
    },
    {
      name: 'BigInt JS codec', detail: 'reference design: getBigUint64/setBigUint64',
      encode: () => big.encode(view, bigFields), decode: () => big.decode(view, bigOut),
      both: () => { big.encode(view, bigFields); return big.decode(view, bigOut); },
    },
    {
      name: 'swarmwire friendly', detail: 'encodeHeader/decodeHeader: new bytes, bigint ids',
      encode: () => sw.encodeHeader(init), decode: () => sw.decodeHeader(bytes),
      both: () => sw.decodeHeader(sw.encodeHeader(init)),
    },
  ];

  // Every decoder must read back what every encoder wrote.
  for (const v of variants) {
    bytes.fill(0);
    const written = v.encode();
    const h = sw.decodeHeader(written instanceof Uint8Array ? written : bytes);
    if (h.requestId !== init.requestId || h.moduleId !== init.moduleId || h.payloadLength !== 1200) throw new Error(`[bench] ${v.name} encodes wrongly`);
  }
  for (const v of variants) {
    sw.writeHeader(view, 0, fields);
    const h = v.decode();
    const id = h.requestId ?? ((BigInt(h.requestHi) << 32n) | BigInt(h.requestLo));
    if (id !== init.requestId || h.methodHash !== init.methodHash) throw new Error(`[bench] ${v.name} decodes wrongly`);
  }

  const ops = ['encode', 'decode', 'both'];
  const results = await measure(variants.flatMap((v) => ops.map((op) => ({ name: `${v.name}:${op}`, fn: v[op] }))), { rounds, time });
  const r = (v, op) => results.find((x) => x.name === `${v}:${op}`);
  const hot = 'swarmwire hot path';
  const rows = variants.map((v) => ({
    variant: v.name, how: v.detail,
    'encode ns': sig(r(v.name, 'encode').ns), 'decode ns': sig(r(v.name, 'decode').ns), 'encode+decode ns': sig(r(v.name, 'both').ns),
    '× hot path': sig(speedup(r(v.name, 'both'), r(hot, 'both'))),
  }));
  const hotNs = r(hot, 'both').ns;
  return {
    tables: [{
      title: 'Header (32 bytes): ns per operation; × hot path = how many times slower than the hot path (paired by round)',
      columns: ['variant', 'how', 'encode ns', 'decode ns', 'encode+decode ns', '× hot path'],
      rows,
      notes: [
        `Target: hot path encode+decode ≤ ${TARGET_NS} ns: ${sig(hotNs)} ns ${mark(hotNs <= TARGET_NS)} (fastest round ${sig(r(hot, 'both').best)} ns). ` +
          `memlink-protocol's native Rust (published): ${MEMLINK.encode} ns encode, ${MEMLINK.decode} ns decode.`,
      ],
    }],
    readme: {
      title: 'Header encode + decode (32 bytes)',
      columns: ['variant', 'encode ns', 'decode ns', 'encode+decode ns', 'target'],
      rows: rows.map((row) => ({
        variant: row.variant, 'encode ns': row['encode ns'], 'decode ns': row['decode ns'], 'encode+decode ns': row['encode+decode ns'],
        target: row.variant === hot ? `≤ ${TARGET_NS} ns ${mark(hotNs <= TARGET_NS)}` : '',
      })).concat([{ variant: 'memlink-protocol, native Rust (published)', 'encode ns': MEMLINK.encode, 'decode ns': MEMLINK.decode, 'encode+decode ns': MEMLINK.encode + MEMLINK.decode, target: '' }]),
    },
    summary: { hotNs },
    raw: results,
  };
}
