// The one Error-body codec (src/rpc/error-codec.ts), which the full SDK's RPC and swarmwire/lite both answer and read
// Error frames with: the body's shape (docs/protocol.md, RPC "Errors"), what is dropped when the caller's encoder
// cannot write a field, and the error rebuilt from a body.
import { describe, expect, it } from 'vitest';
import { errorPayload, remoteError } from '../src/rpc/error-codec.js';
import { type CodecHost, decodeValue, encodeValue } from '../src/rpc/codec.js';
import { DEFAULT_SERVE_LIMITS } from '../src/rpc/connection.js';
import { RpcError, RpcErrorCode, rpcError } from '../src/rpc/errors.js';
import { WireError, wireError, WireErrorCode } from '../src/wire/errors.js';
import { pack, unpack } from '../src/lite/msgpack.js';

const host = { stacks: false } as CodecHost;
const full = (body: unknown): Uint8Array => encodeValue(host, body);
const unpackFull = (bytes: Uint8Array): unknown => decodeValue(host, bytes, DEFAULT_SERVE_LIMITS);

describe('errorPayload', () => {
  it('writes { status, message, name, data } with the code, cause and own fields', () => {
    const error = Object.assign(rpcError(RpcErrorCode.BUSY, 'busy', 'why'), { retryIn: 5 });
    expect(unpack(errorPayload(error, false, pack))).toEqual({
      status: 5, message: '[swarmwire] busy', name: 'RpcError', data: { code: 'SW_ERR_RPC_BUSY', cause: 'why', fields: { retryIn: 5 } },
    });
    expect(unpack(errorPayload(new TypeError('plain'), false, pack))).toEqual({ status: 3, message: 'plain', name: 'TypeError' });
  });

  it('keeps the code when the encoder cannot write a field (an error as cause, in lite), and drops data last', () => {
    const error = rpcError(RpcErrorCode.BAD_ARGS, 'bad', wireError(WireErrorCode.BAD_PAYLOAD, 'no'));
    // lite's pack takes no errors as values: the cause goes, the code stays
    expect(unpack(errorPayload(error, false, pack))).toEqual({ status: 7, message: '[swarmwire] bad', name: 'RpcError', data: { code: 'SW_ERR_RPC_BAD_ARGS' } });
    // the full SDK's encoder writes the cause as an Error extension
    expect(remoteError(unpackFull(errorPayload(error, false, full)))).toMatchObject({ code: 'SW_ERR_RPC_BAD_ARGS', cause: { code: 'SW_ERR_PAYLOAD' } });
    // a code that cannot be written either: the body without data
    const odd = Object.assign(new Error('odd'), { code: () => 1 });
    expect(unpack(errorPayload(odd, false, pack))).toEqual({ status: 3, message: 'odd', name: 'Error' });
  });
});

describe('remoteError', () => {
  it('rebuilds the allowlisted class with its status, code, cause and fields', () => {
    const e = remoteError({ status: 7, message: 'm', name: 'WireError', data: { code: 'SW_ERR_PAYLOAD', cause: 'c', fields: { n: 1 } } });
    expect([e.constructor, e.message, (e as WireError).code, (e as WireError).status, e.cause, (e as unknown as { n: number }).n]).toEqual([WireError, 'm', 'SW_ERR_PAYLOAD', 7, 'c', 1]);
    const agg = remoteError({ status: 3, message: 'all', name: 'AggregateError', data: { errors: [1, 2] } }) as AggregateError;
    expect([agg instanceof AggregateError, agg.errors]).toEqual([true, [1, 2]]);
  });

  it('makes a plain { status, message } a RpcError with the code of its status, and an unknown name an Error by that name', () => {
    const e = remoteError({ status: 1, message: 'gone' }) as RpcError;
    expect([e.constructor, e.code, e.status]).toEqual([RpcError, 'SW_ERR_RPC_MODULE_NOT_FOUND', 1]);
    const other = remoteError({ status: 3, message: 'x', name: 'EvilError' });
    expect([other.constructor, other.name]).toEqual([Error, 'EvilError']);
    expect((remoteError(null) as RpcError).code).toBe('SW_ERR_RPC_PROTOCOL');
  });
});
