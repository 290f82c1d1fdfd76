// Known answers for the wire contract, shared by the unit suite (Node 20 and 24) and the browser e2e, so every
// runtime checks the same table. Expected values were computed independently of swarmwire: CRCs with the native
// @node-rs/crc32, FNV with a BigInt reference, frames laid out by hand from docs/protocol.md.
// This module is plain data: no imports, so a browser page can load it as-is after esbuild strips the types.

export const CRC32C_VECTORS: ReadonlyArray<{ name: string; hex: string; crc: number }> = [
  { name: 'empty', hex: '', crc: 0x00000000 },
  { name: '"123456789"', hex: '313233343536373839', crc: 0xe3069283 },
  { name: '32 zero bytes', hex: '00'.repeat(32), crc: 0x8a9136aa },
  { name: '32 bytes 0xFF', hex: 'ff'.repeat(32), crc: 0x62a8ab43 },
  { name: 'bytes 0..31', hex: Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(''), crc: 0x46dd794e },
];

export const FNV_VECTORS: ReadonlyArray<{ input: string; fnv32: number; fnv64: bigint }> = [
  { input: '', fnv32: 0x811c9dc5, fnv64: 0xcbf29ce484222325n },
  { input: 'a', fnv32: 0xe40c292c, fnv64: 0xaf63dc4c8601ec8cn },
  { input: 'relay', fnv32: 0x16b481c2, fnv64: 0xe79981f33b2890e2n },
  { input: 'echo', fnv32: 0xd49dd484, fnv64: 0x3000e56026044164n },
];

/** Whole frames, header fields as the decoder must report them. */
export const FRAME_VECTORS: ReadonlyArray<{
  name: string;
  hex: string;
  type: number;
  features: number;
  requestId: bigint;
  moduleId: bigint;
  methodHash: number;
  payloadHex: string;
}> = [
  {
    name: 'Ping {timestamp: 1700000000000} with CHECKSUM, request 7',
    hex: '4d4c4e4b011100080000000000000007000000000000000000000000000000148' +
      '1a974696d657374616d70cf0000018bcfe56800a6ba205a',
    type: 17, features: 0x08, requestId: 7n, moduleId: 0n, methodHash: 0,
    payloadHex: '81a974696d657374616d70cf0000018bcfe56800',
  },
  {
    name: 'Request relay.echo("hi"), request 1',
    hex: '4d4c4e4b010000000000000000000001e79981f33b2890e2d49dd4840000000491a26869',
    type: 0, features: 0, requestId: 1n, moduleId: 0xe79981f33b2890e2n, methodHash: 0xd49dd484,
    payloadHex: '91a26869',
  },
  {
    name: 'Response with the largest request_id and no payload',
    hex: '4d4c4e4b01010000ffffffffffffffff0123456789abcdefdeadbeef00000000',
    type: 1, features: 0, requestId: 0xffffffffffffffffn, moduleId: 0x0123456789abcdefn, methodHash: 0xdeadbeef,
    payloadHex: '',
  },
];

/** Bytes that must be rejected, with the WireError code and status the decoder must give. */
export const BAD_FRAME_VECTORS: ReadonlyArray<{ name: string; hex: string; code: string; status: number }> = [
  { name: 'empty input', hex: '', code: 'SW_ERR_FRAME_TRUNCATED', status: 7 },
  { name: 'header cut at 31 bytes', hex: '4d4c4e4b01010000ffffffffffffffff0123456789abcdefdeadbeef000000', code: 'SW_ERR_FRAME_TRUNCATED', status: 7 },
  { name: 'wrong magic', hex: '4d4c4e4c01010000ffffffffffffffff0123456789abcdefdeadbeef00000000', code: 'SW_ERR_FRAME_MAGIC', status: 7 },
  { name: 'version 2', hex: '4d4c4e4b02010000ffffffffffffffff0123456789abcdefdeadbeef00000000', code: 'SW_ERR_FRAME_VERSION', status: 10 },
  { name: 'unknown type 200', hex: '4d4c4e4b01c80000ffffffffffffffff0123456789abcdefdeadbeef00000000', code: 'SW_ERR_FRAME_TYPE', status: 7 },
  { name: 'payload_len over 64 MiB', hex: '4d4c4e4b01010000ffffffffffffffff0123456789abcdefdeadbeef04000001', code: 'SW_ERR_FRAME_TOO_LARGE', status: 9 },
  { name: 'payload shorter than payload_len', hex: '4d4c4e4b010000000000000000000001e79981f33b2890e2d49dd4840000000491a268', code: 'SW_ERR_FRAME_TRUNCATED', status: 7 },
  { name: 'byte after the frame', hex: '4d4c4e4b01010000ffffffffffffffff0123456789abcdefdeadbeef0000000000', code: 'SW_ERR_FRAME_TRAILING_BYTES', status: 7 },
  {
    name: 'Ping with one payload bit flipped',
    hex: '4d4c4e4b0111000800000000000000070000000000000000000000000000001481a974696d657374616d70cf0000018bcfe56801a6ba205a',
    code: 'SW_ERR_FRAME_CHECKSUM', status: 8,
  },
];

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
