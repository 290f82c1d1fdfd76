// The extension types every swarmwire payload shares with @msgpack/msgpack's defaults: a Date as the MessagePack
// timestamp (type −1, in its 4-, 8- and 12-byte forms), and any other type kept as ExtData, which encodes back to
// the same bytes. The RPC layer adds its own types (src/rpc/codec.ts) in front of these; lite carries neither.
import { fail, readBytes } from './decode.js';
import { writeExt } from './encode.js';

/** An extension value of a type this side does not read: its type and its data, as they came. */
export class ExtData {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

const TIMESTAMP = -1;

/** Writes a Date or an ExtData as its extension and answers true; answers false for anything else. */
export function writeSharedExt(v: unknown): boolean {
  if (v instanceof Date) {
    writeExt(TIMESTAMP, timestamp(v.getTime()));
    return true;
  }
  if (v instanceof ExtData) {
    writeExt(v.type, v.data);
    return true;
  }
  return false;
}

/** Reads an extension of `type` with `n` bytes of data: a Date for the timestamp, ExtData for any other type. */
export function readSharedExt(type: number, n: number): unknown {
  const data = readBytes(n);
  return type === TIMESTAMP ? date(data) : new ExtData(type, data);
}

/** The timestamp of `ms` since the epoch in the smallest of its three forms, as @msgpack/msgpack writes it. */
function timestamp(ms: number): Uint8Array {
  let sec = Math.floor(ms / 1e3);
  let nsec = (ms - sec * 1e3) * 1e6;
  const carry = Math.floor(nsec / 1e9);
  sec += carry;
  nsec -= carry * 1e9;
  const out = new DataView(new ArrayBuffer(sec >= 0 && nsec >= 0 && sec <= 0x3ffffffff ? (nsec === 0 && sec <= 0xffffffff ? 4 : 8) : 12));
  if (out.byteLength === 4) out.setUint32(0, sec);
  else if (out.byteLength === 8) {
    out.setUint32(0, (nsec << 2) | ((sec / 0x100000000) & 0x3)); // 30 bits of nanoseconds, 34 of seconds
    out.setUint32(4, sec & 0xffffffff);
  } else {
    out.setUint32(0, nsec);
    out.setUint32(4, Math.floor(sec / 0x100000000)); // a signed 64-bit count of seconds
    out.setUint32(8, sec);
  }
  return new Uint8Array(out.buffer);
}

function date(data: Uint8Array): Date {
  const v = new DataView(data.buffer);
  let sec: number, nsec: number;
  if (data.length === 4) {
    sec = v.getUint32(0);
    nsec = 0;
  } else if (data.length === 8) {
    const word = v.getUint32(0);
    sec = (word & 0x3) * 0x100000000 + v.getUint32(4);
    nsec = word >>> 2;
  } else if (data.length === 12) {
    sec = v.getInt32(4) * 0x100000000 + v.getUint32(8);
    nsec = v.getUint32(0);
  } else {
    return fail(`a timestamp of ${data.length} bytes (4, 8 or 12 expected)`);
  }
  return new Date(sec * 1e3 + nsec / 1e6);
}
