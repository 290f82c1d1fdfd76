import { describe, expect, it } from 'vitest';
import { Feature, type Hello, MAX_PAYLOAD, decodeFrame, encodeFrame, negotiate, parseHello } from 'swarmwire/wire';
import { MessageType, Status, WireError, decodeBody } from 'swarmwire';

const hello = (over: Partial<Hello> = {}): Hello => ({
  version: 2, minVersion: 2, nodeId: new Uint8Array(16).fill(1), role: 'edge', capabilities: ['rpc', 'ring', 'mesh'],
  features: Feature.CHECKSUM | Feature.BATCHING | Feature.ACK_REQUIRED, maxPayload: MAX_PAYLOAD, metadata: {},
  alg: 1, key: new Uint8Array(32).fill(2), nonce: new Uint8Array(32).fill(3), ...over,
});

describe('negotiate', () => {
  it('takes the lowest common version, the shared capabilities, the common features and the smaller limit', () => {
    const local = hello({ version: 3, minVersion: 1 });
    const remote = hello({ version: 2, minVersion: 2, capabilities: ['mesh', 'rpc', 'stream'], features: Feature.CHECKSUM | Feature.COMPRESSED, maxPayload: 1 << 20 });
    expect(negotiate(local, remote)).toEqual({ version: 2, capabilities: ['rpc', 'mesh'], features: Feature.CHECKSUM, maxPayload: 1 << 20 });
  });

  it('is symmetric in everything but the order of capabilities', () => {
    const a = hello({ version: 4, minVersion: 2, capabilities: ['x', 'y'] });
    const b = hello({ version: 3, minVersion: 1, capabilities: ['y', 'x'], features: 0x3f, maxPayload: 77 });
    const ab = negotiate(a, b);
    const ba = negotiate(b, a);
    expect({ ...ab, capabilities: [...ab.capabilities].sort() }).toEqual({ ...ba, capabilities: [...ba.capabilities].sort() });
  });

  it('never agrees on more than the 64 MiB hard cap', () => {
    expect(negotiate(hello({ maxPayload: 0xffffffff }), hello({ maxPayload: 0xffffffff })).maxPayload).toBe(MAX_PAYLOAD);
  });

  it('fails with UnsupportedVersion when the ranges do not overlap', () => {
    try {
      negotiate(hello({ version: 1, minVersion: 1 }), hello({ version: 3, minVersion: 2 }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      expect(e).toMatchObject({ code: 'SW_ERR_VERSION_NEGOTIATION', status: Status.UnsupportedVersion });
    }
  });
});

describe('parseHello', () => {
  it('returns a Hello of version 1 without key fields as it is, for negotiation to refuse with UnsupportedVersion', () => {
    const { alg: _a, key: _k, nonce: _n, ...old } = hello({ version: 1, minVersion: 1 });
    const parsed = parseHello(old);
    expect(parsed.version).toBe(1);
    expect(() => negotiate({ ...hello() }, parsed)).toThrowError(expect.objectContaining({ code: 'SW_ERR_VERSION_NEGOTIATION', status: Status.UnsupportedVersion }));
  });

  it('accepts a Hello that went through MessagePack', () => {
    const sent = hello({ metadata: { name: 'page-1' }, token: 's3cret' });
    const frame = decodeFrame(encodeFrame({ type: MessageType.Hello, body: sent }));
    expect(parseHello(decodeBody(frame))).toEqual(sent);
  });

  it.each([
    ['a non-map', [1, 2]],
    ['a short node id', { ...hello(), nodeId: new Uint8Array(15) }],
    ['an unknown role', { ...hello(), role: 'boss' }],
    ['non-string capabilities', { ...hello(), capabilities: [1] }],
    ['features above u16', { ...hello(), features: 0x10000 }],
    ['a negative maxPayload', { ...hello(), maxPayload: -1 }],
    ['non-string metadata', { ...hello(), metadata: { a: 1 } }],
    ['a numeric token', { ...hello(), token: 5 }],
    ['a missing version', { ...hello(), version: undefined }],
    ['a key algorithm that is not a u8', { ...hello(), alg: 'Ed25519' }],
    ['a missing key', { ...hello(), key: undefined }],
    ['a key of 300 bytes', { ...hello(), key: new Uint8Array(300) }],
    ['a nonce of 31 bytes', { ...hello(), nonce: new Uint8Array(31) }],
    ['a proof that is not bytes', { ...hello(), proof: 'signed' }],
  ])('rejects %s with SW_ERR_PAYLOAD', (_, value) => {
    expect(() => parseHello(value)).toThrowError(expect.objectContaining({ code: 'SW_ERR_PAYLOAD', status: Status.InvalidFrame }));
  });
});
