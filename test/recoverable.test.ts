// Whether trying again can help (SwarmwireError.recoverable): every code of every layer has a verdict, written out
// here as the table the issue asked for, so a new code needs a decision; errors rebuilt from an Error frame keep it;
// wrappers answer for what they wrap; docs/protocol.md's status table says the same as the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Status } from '../src/wire/constants.js';
import { SwarmwireError, WireErrorCode, wireError, withVerdict } from '../src/wire/errors.js';
import { isRecoverable } from '../src/wire/recoverable.js';
import { TransportErrorCode, transportError } from '../src/transport/transport.js';
import { SessionError, SessionErrorCode, sessionError } from '../src/session/errors.js';
import { RpcErrorCode, rpcError } from '../src/rpc/errors.js';
import { MeshErrorCode, meshError } from '../src/mesh/errors.js';
import { deserializeError, serializeError } from '../src/rpc/error-codec.js';
import { RedisErrorCode, redisError } from '../src/relay/redis-client.js';
import { RelayErrorCode, relayError } from '../src/relay/errors.js';

const VERDICTS: Record<string, [make: () => SwarmwireError, recoverable: boolean]> = {
  ...Object.fromEntries(Object.values(WireErrorCode).map((code) => [code, [() => wireError(code, 'x'), false]])),
  [TransportErrorCode.CLOSED]: [() => transportError(TransportErrorCode.CLOSED, 'x'), false],
  [TransportErrorCode.FULL]: [() => transportError(TransportErrorCode.FULL, 'x'), true],
  [TransportErrorCode.TOO_LARGE]: [() => transportError(TransportErrorCode.TOO_LARGE, 'x'), false],
  [TransportErrorCode.PEER_GONE]: [() => transportError(TransportErrorCode.PEER_GONE, 'x'), true],
  [TransportErrorCode.CONNECT_FAILED]: [() => transportError(TransportErrorCode.CONNECT_FAILED, 'x'), true],
  [TransportErrorCode.TIMEOUT]: [() => transportError(TransportErrorCode.TIMEOUT, 'x'), true],
  [TransportErrorCode.PROTOCOL]: [() => transportError(TransportErrorCode.PROTOCOL, 'x'), false],
  [TransportErrorCode.ORIGIN]: [() => transportError(TransportErrorCode.ORIGIN, 'x'), false],
  [SessionErrorCode.HANDSHAKE_TIMEOUT]: [() => sessionError(SessionErrorCode.HANDSHAKE_TIMEOUT, 'x'), true],
  [SessionErrorCode.REJECTED]: [() => sessionError(SessionErrorCode.REJECTED, 'x'), false],
  [SessionErrorCode.PROTOCOL]: [() => sessionError(SessionErrorCode.PROTOCOL, 'x'), false],
  [SessionErrorCode.CLOSED]: [() => sessionError(SessionErrorCode.CLOSED, 'x'), true],
  [SessionErrorCode.FULL]: [() => sessionError(SessionErrorCode.FULL, 'x'), true],
  [SessionErrorCode.PING_TIMEOUT]: [() => sessionError(SessionErrorCode.PING_TIMEOUT, 'x'), true],
  [SessionErrorCode.REMOTE]: [() => new SessionError(SessionErrorCode.REMOTE, Status.ExecutionError, 'x'), false],
  [SessionErrorCode.IDENTITY]: [() => sessionError(SessionErrorCode.IDENTITY, 'x'), false],
  [SessionErrorCode.UNSUPPORTED_KEY]: [() => sessionError(SessionErrorCode.UNSUPPORTED_KEY, 'x'), false],
  [SessionErrorCode.ADDRESS_FULL]: [() => sessionError(SessionErrorCode.ADDRESS_FULL, 'x'), true],
  [RpcErrorCode.MODULE_NOT_FOUND]: [() => rpcError(RpcErrorCode.MODULE_NOT_FOUND, 'x'), false],
  [RpcErrorCode.METHOD_NOT_FOUND]: [() => rpcError(RpcErrorCode.METHOD_NOT_FOUND, 'x'), false],
  [RpcErrorCode.BAD_ARGS]: [() => rpcError(RpcErrorCode.BAD_ARGS, 'x'), false],
  [RpcErrorCode.ARITY]: [() => rpcError(RpcErrorCode.ARITY, 'x'), false],
  [RpcErrorCode.UNSERIALIZABLE]: [() => rpcError(RpcErrorCode.UNSERIALIZABLE, 'x'), false],
  [RpcErrorCode.TIMEOUT]: [() => rpcError(RpcErrorCode.TIMEOUT, 'x'), true],
  [RpcErrorCode.CANCELLED]: [() => rpcError(RpcErrorCode.CANCELLED, 'x'), false],
  [RpcErrorCode.CLOSED]: [() => rpcError(RpcErrorCode.CLOSED, 'x'), false],
  [RpcErrorCode.RELEASED]: [() => rpcError(RpcErrorCode.RELEASED, 'x'), false],
  [RpcErrorCode.BUSY]: [() => rpcError(RpcErrorCode.BUSY, 'x'), true],
  [RpcErrorCode.GONE]: [() => rpcError(RpcErrorCode.GONE, 'x'), false],
  [RpcErrorCode.NO_CALL]: [() => rpcError(RpcErrorCode.NO_CALL, 'x'), false],
  [RpcErrorCode.PROTOCOL]: [() => rpcError(RpcErrorCode.PROTOCOL, 'x'), false],
  [RpcErrorCode.READ_ONLY]: [() => rpcError(RpcErrorCode.READ_ONLY, 'x'), false],
  [MeshErrorCode.CLOSED]: [() => meshError(MeshErrorCode.CLOSED, 'x'), false],
  [MeshErrorCode.NO_ROUTE]: [() => meshError(MeshErrorCode.NO_ROUTE, 'x'), true],
  [MeshErrorCode.UNDELIVERABLE]: [() => meshError(MeshErrorCode.UNDELIVERABLE, 'x'), true],
  [MeshErrorCode.AGENT_NOT_FOUND]: [() => meshError(MeshErrorCode.AGENT_NOT_FOUND, 'x'), false],
  [MeshErrorCode.AGENT_MOVED]: [() => meshError(MeshErrorCode.AGENT_MOVED, 'x'), true],
  [MeshErrorCode.LISTENER_FAILED]: [() => meshError(MeshErrorCode.LISTENER_FAILED, 'x'), false],
  [MeshErrorCode.MIGRATION_FAILED]: [() => meshError(MeshErrorCode.MIGRATION_FAILED, 'x'), false],
  [MeshErrorCode.NO_PLACEMENT]: [() => meshError(MeshErrorCode.NO_PLACEMENT, 'x'), false],
  [MeshErrorCode.BAD_ARGUMENT]: [() => meshError(MeshErrorCode.BAD_ARGUMENT, 'x'), false],
  [MeshErrorCode.SNAPSHOT_TOO_LARGE]: [() => meshError(MeshErrorCode.SNAPSHOT_TOO_LARGE, 'x'), false],
  [MeshErrorCode.SNAPSHOT_SEQUENCE]: [() => meshError(MeshErrorCode.SNAPSHOT_SEQUENCE, 'x'), false],
  [MeshErrorCode.SNAPSHOT_BUSY]: [() => meshError(MeshErrorCode.SNAPSHOT_BUSY, 'x'), true],
  [MeshErrorCode.MIGRATION_REFUSED]: [() => meshError(MeshErrorCode.MIGRATION_REFUSED, 'x'), false],
  [MeshErrorCode.SNAPSHOT_EXPIRED]: [() => meshError(MeshErrorCode.SNAPSHOT_EXPIRED, 'x'), true],
  [MeshErrorCode.MODULE]: [() => meshError(MeshErrorCode.MODULE, 'x'), false],
  [MeshErrorCode.TIMEOUT]: [() => meshError(MeshErrorCode.TIMEOUT, 'x'), true],
  [MeshErrorCode.WORKER_FAILED]: [() => meshError(MeshErrorCode.WORKER_FAILED, 'x'), false],
  [MeshErrorCode.PEER_INFO_TOO_LARGE]: [() => meshError(MeshErrorCode.PEER_INFO_TOO_LARGE, 'x'), false],
  [RedisErrorCode.CLIENT_MISSING]: [() => redisError(RedisErrorCode.CLIENT_MISSING, 'x'), false],
  [RedisErrorCode.CONNECT]: [() => redisError(RedisErrorCode.CONNECT, 'x'), false],
  [RedisErrorCode.UNAVAILABLE]: [() => redisError(RedisErrorCode.UNAVAILABLE, 'x'), true],
  [RedisErrorCode.FULL]: [() => redisError(RedisErrorCode.FULL, 'x'), true],
  [RedisErrorCode.COMMAND]: [() => redisError(RedisErrorCode.COMMAND, 'x'), false],
  // NOAUTH, WRONGPASS, NOPERM after connecting: the same user gets the same answer however often it asks.
  [RedisErrorCode.REFUSED]: [() => redisError(RedisErrorCode.REFUSED, 'x'), false],
  // Room comes back when the peer unsubscribes from a topic; a topic too long is too long every time.
  [RelayErrorCode.TOO_MANY_TOPICS]: [() => relayError(RelayErrorCode.TOO_MANY_TOPICS, 'x'), true],
  [RelayErrorCode.TOPIC_TOO_LONG]: [() => relayError(RelayErrorCode.TOPIC_TOO_LONG, 'x'), false],
  [RelayErrorCode.PEER_INFO_TOO_LARGE]: [() => relayError(RelayErrorCode.PEER_INFO_TOO_LARGE, 'x'), false],
};

describe('every error code has a verdict', () => {
  it('covers every code of every layer', () => {
    const codes = [WireErrorCode, TransportErrorCode, SessionErrorCode, RpcErrorCode, MeshErrorCode, RedisErrorCode, RelayErrorCode].flatMap((c) => Object.values(c));
    expect(Object.keys(VERDICTS).sort()).toEqual([...new Set(codes)].sort());
  });

  it.each(Object.entries(VERDICTS))('%s → recoverable %s', (code, [make, expected]) => {
    const error = make();
    expect(error.code).toBe(code);
    expect(error.recoverable).toBe(expected);
    // Derived, not a field: it does not show among the error's own enumerable properties, nor travel as one.
    expect(Object.keys(error)).not.toContain('recoverable');
  });
});

describe('the status decides where the code does not', () => {
  it('Timeout, QuotaExceeded and BackpressureRejection are recoverable; every other status is not', () => {
    const yes = [Status.Timeout, Status.QuotaExceeded, Status.BackpressureRejection];
    for (const status of Object.values(Status)) expect(isRecoverable('SW_ERR_ANY', status, undefined)).toBe(yes.includes(status as never));
  });

  it('a refusal is recoverable only when its status says "later" (QuotaExceeded: the peer is full)', () => {
    expect(new SessionError(SessionErrorCode.REJECTED, Status.QuotaExceeded, 'full').recoverable).toBe(true);
    expect(new SessionError(SessionErrorCode.REJECTED, Status.Unauthorized, 'no').recoverable).toBe(false);
    expect(new SessionError(SessionErrorCode.REJECTED, Status.UnsupportedVersion, 'no').recoverable).toBe(false);
  });

  it('a peer-reported Error (SW_ERR_REMOTE) answers from its status', () => {
    expect(new SessionError(SessionErrorCode.REMOTE, Status.Timeout, 'x').recoverable).toBe(true);
    expect(new SessionError(SessionErrorCode.REMOTE, Status.InvalidFrame, 'x').recoverable).toBe(false);
  });
});

describe('wrappers and overrides', () => {
  it('CONNECT_FAILED, RPC CLOSED and TRANSPORT CLOSED answer for the swarmwire error they wrap', () => {
    const refused = sessionError(SessionErrorCode.REJECTED, 'no');
    const lost = sessionError(SessionErrorCode.PING_TIMEOUT, 'silent');
    expect(transportError(TransportErrorCode.CONNECT_FAILED, 'gave up', refused).recoverable).toBe(false);
    expect(transportError(TransportErrorCode.CONNECT_FAILED, 'gave up', lost).recoverable).toBe(true);
    expect(rpcError(RpcErrorCode.CLOSED, 'closed', lost).recoverable).toBe(true);
    expect(rpcError(RpcErrorCode.CLOSED, 'closed', refused).recoverable).toBe(false);
    expect(transportError(TransportErrorCode.CLOSED, 'closed', lost).recoverable).toBe(true);
    // A runtime error (ECONNREFUSED) has no verdict of its own: the code's stands.
    expect(transportError(TransportErrorCode.CONNECT_FAILED, 'refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).recoverable).toBe(true);
  });

  it('the thrower may know better than the code (an HTTP 404 answering every try): an own, non-enumerable verdict', () => {
    const error = transportError(TransportErrorCode.CONNECT_FAILED, 'HTTP 404', undefined, false);
    expect(error.recoverable).toBe(false);
    expect(Object.getOwnPropertyDescriptor(error, 'recoverable')).toMatchObject({ value: false, enumerable: false });
    expect('cause' in error).toBe(false); // no `cause: undefined` made up along the way
    expect(withVerdict(new SwarmwireError('SW_ERR_X', Status.InvalidFrame, 'x'), true).recoverable).toBe(true);
    expect(withVerdict(new SwarmwireError('SW_ERR_X', Status.Timeout, 'x'), undefined).recoverable).toBe(true); // undefined: no opinion
  });

  it('errors rebuilt from an Error frame keep their verdict (it follows their status and code)', () => {
    for (const error of [rpcError(RpcErrorCode.TIMEOUT, 't'), rpcError(RpcErrorCode.BUSY, 'b'), rpcError(RpcErrorCode.METHOD_NOT_FOUND, 'm'), sessionError(SessionErrorCode.PROTOCOL, 'p')]) {
      const back = deserializeError(serializeError(error, false)) as SwarmwireError;
      expect(back).toBeInstanceOf(SwarmwireError);
      expect({ code: back.code, recoverable: back.recoverable }).toEqual({ code: error.code, recoverable: error.recoverable });
    }
    // A plain implementation's { status, message } (no name, no code): an RpcError whose status decides.
    expect((deserializeError({ status: Status.QuotaExceeded, message: 'slow down', name: 'RpcError' }) as SwarmwireError).recoverable).toBe(true);
  });
});

it('docs/protocol.md lists the same verdict for every status', () => {
  const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('### Status codes'), doc.indexOf('## Payloads'));
  const rows = [...table.matchAll(/^\| (\d+) \| (\w+) \| (yes|no) \|/gm)].map((m) => [Number(m[1]), m[2], m[3] === 'yes'] as const);
  expect(rows.map(([code, name]) => [code, name])).toEqual(Object.entries(Status).map(([name, code]) => [code, name]));
  for (const [status, , yes] of rows) expect(isRecoverable('SW_ERR_ANY', status, undefined)).toBe(yes);
  // The codes that decide for themselves are named there too.
  for (const code of ['SW_ERR_CONNECT_FAILED', 'SW_ERR_SESSION_CLOSED', 'SW_ERR_MESH_NO_ROUTE', 'SW_ERR_AGENT_MOVED', 'SW_ERR_RPC_CLOSED', 'SW_ERR_TRANSPORT_CLOSED']) expect(table).toContain(code);
});
