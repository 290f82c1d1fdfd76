// Hostile MessagePack, named case by case, against every decoder that reads bytes from a peer: frame bodies
// (unpack), RPC values (the codec, and a real exposed object answering a Request), and lite. Each must answer with
// its typed error — WireError SW_ERR_PAYLOAD, RpcError SW_ERR_RPC_BAD_ARGS — quickly and without allocating what a
// header announces, and the RPC connection must carry on. The extension bombs are issue 13's hole 1: array32
// headers (`dd 01 ff ff ff`, 2^25 − 1 elements) inside extension payloads, which @msgpack/msgpack's internal
// decoder allocated at every nesting level.
import { afterEach, describe, expect, it } from 'vitest';
import { type Frame, MessageType, Status, SwarmwireError, WireError, decodeBody, expose, memoryPair } from 'swarmwire';
import type { MemoryTransport } from 'swarmwire/transport';
import { decodeFrame, encodeFrame, fnv1a32, fnv1a64, pack, unpack } from 'swarmwire/wire';
import * as lite from 'swarmwire/lite';
import { type CodecHost, decodeValue } from '../src/rpc/codec.js';
import { RpcError, RpcErrorCode, rpcError } from '../src/rpc/errors.js';
import { extHex } from '../fuzz/engine.mjs';

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const ext = extHex;
const BOMB = 'dd01ffffff'; // an array announcing 33,554,431 elements
/** The attack of issue 13: an array32 bomb at every level, each level inside a Map extension, `levels` deep. */
const nestedBomb = (levels: number, type = 6): string => (levels === 0 ? 'c0' : ext(type, BOMB + nestedBomb(levels - 1, type)));
/** `levels` Sets, each holding the next (a one-element array as its payload). */
const sets = (levels: number): string => (levels === 0 ? '01' : ext(7, `91${sets(levels - 1)}`));
const str = (s: string): string => `${(0xa0 + s.length).toString(16)}${Buffer.from(s).toString('hex')}`;
const bigintDigits = (digits: number): string => {
  const data = Buffer.alloc(digits, '9').toString('hex');
  return ext(4, data);
};

/** What each decoder must say: an error code, or 'ok' (a valid value). */
interface Case {
  name: string;
  hex: string;
  wire: 'ok' | 'SW_ERR_PAYLOAD';
  rpc: 'ok' | 'SW_ERR_RPC_BAD_ARGS';
  lite: 'ok' | 'SW_ERR_PAYLOAD';
  /** Words the RPC error message must contain. */
  because?: RegExp;
}
const BAD = { wire: 'SW_ERR_PAYLOAD', rpc: 'SW_ERR_RPC_BAD_ARGS', lite: 'SW_ERR_PAYLOAD' } as const;
/** Extensions the wire reads as ExtData and lite refuses. */
const RPC_ONLY = { wire: 'ok', rpc: 'SW_ERR_RPC_BAD_ARGS', lite: 'SW_ERR_PAYLOAD' } as const;

const CASES: Case[] = [
  { name: 'an array32 bomb', hex: BOMB, ...BAD, because: /33554431 elements announced/ },
  { name: 'a map32 bomb', hex: 'df01ffffff', ...BAD, because: /33554431 entries announced/ },
  ...[[1, 'Proxy'], [2, 'Stream'], [3, 'Error'], [6, 'Map'], [7, 'Set']].map(([type, what]) => ({
    name: `an array32 bomb inside a ${what} extension (${type})`, hex: ext(type as number, BOMB), ...RPC_ONLY, because: /33554431 elements announced/,
  })),
  { name: 'issue 13\'s bomb: array32 headers nested 24 deep through Map extensions (~200 bytes)', hex: nestedBomb(24), ...RPC_ONLY, because: /announced/ },
  { name: 'array32 bombs nested through Set, Error, Stream and Proxy extensions', hex: ext(7, BOMB + ext(3, BOMB + ext(2, BOMB + ext(1, BOMB)))), ...RPC_ONLY, because: /announced/ },
  { name: 'an array32 bomb in an Error body\'s field', hex: ext(3, `81${str('message')}${BOMB}`), ...RPC_ONLY, because: /announced/ },
  { name: 'an array32 bomb inside a frame body\'s unknown extension (ExtData keeps bytes, reads nothing)', hex: ext(42, BOMB), wire: 'ok', rpc: 'ok', lite: 'SW_ERR_PAYLOAD' },
  { name: 'Sets nested 65 deep (one past the default depth limit)', hex: sets(65), ...RPC_ONLY, because: /nested deeper than 64/ },
  { name: 'Sets nested 5,000 deep', hex: sets(5000), ...RPC_ONLY, because: /nested deeper than 64/ },
  { name: 'Maps nested 40 deep (each Map takes two levels)', hex: ((n: number): string => { let h = '01'; for (let i = 0; i < n; i++) h = ext(6, `9192${str('k')}${h}`); return h; })(40), ...RPC_ONLY, because: /nested deeper than 64/ },
  { name: 'arrays nested 101 deep', hex: `${'91'.repeat(100)}90`, ...BAD, because: /nested deeper than/ },
  { name: 'a bigint of 2,049 digits', hex: bigintDigits(2049), ...RPC_ONLY, because: /bigint extension of 2049 bytes/ },
  { name: 'a bigint of 8 MiB', hex: bigintDigits(8 * 1024 * 1024), ...RPC_ONLY, because: /bigint/ },
  { name: 'a bigint that is not decimal digits', hex: ext(4, Buffer.from('0x10').toString('hex')), ...RPC_ONLY, because: /decimal digits/ },
  { name: 'an empty bigint', hex: ext(4, ''), ...RPC_ONLY, because: /decimal digits/ },
  { name: 'a map32 announcing more entries than bytes', hex: 'df7fffffff0101', ...BAD, because: /announced/ },
  { name: 'an array32 announcing more elements than bytes', hex: 'dd7fffffff00', ...BAD, because: /announced/ },
  { name: 'a str32 longer than the input', hex: 'dbffffffff41', ...BAD, because: /truncated/ },
  { name: 'a bin32 longer than the input', hex: 'c6ffffffff00', ...BAD, because: /truncated/ },
  { name: 'an ext32 longer than the input', hex: 'c9ffffffff0100', ...BAD, because: /truncated/ },
  { name: 'an array longer than its extension payload (bounded by the payload, not the input)', hex: `${ext(7, '93')}0101`, ...BAD, because: /3 elements announced, 0 bytes left/ },
  { name: 'empty input', hex: '', ...BAD },
  { name: 'a truncated float64', hex: 'cb3ff0', ...BAD, because: /truncated/ },
  { name: 'a truncated string', hex: 'a56865', ...BAD },
  { name: 'an array missing its last element', hex: '9201', ...BAD },
  { name: 'trailing bytes', hex: '0102', ...BAD, because: /1 bytes follow the value/ },
  { name: 'bytes left over inside an extension payload', hex: ext(7, '900102'), ...RPC_ONLY, because: /left over/ },
  { name: 'the byte 0xc1', hex: 'c1', ...BAD, because: /0xc1/ },
  { name: 'the reserved extension type 127', hex: ext(127, '00'), ...RPC_ONLY, because: /127 is reserved/ },
  { name: 'a __proto__ key', hex: `81${str('__proto__')}81${str('polluted')}c3`, ...BAD, because: /__proto__/ },
  { name: 'a __proto__ key inside an Error body\'s fields', hex: ext(3, `82${str('message')}${str('x')}${str('fields')}81${str('__proto__')}81${str('polluted')}c3`), ...RPC_ONLY, because: /__proto__/ },
  { name: 'a map key that is an array', hex: '819001', ...BAD, because: /a map key of type/ },
  { name: 'a map key that is an extension', hex: `81${ext(6, '90')}01`, ...BAD, because: /a map key of type/ },
  { name: 'a Map extension that is not a list of pairs', hex: ext(6, '9101'), ...RPC_ONLY, because: /Map extension/ },
  { name: 'a Stream extension that is not [id, kind]', hex: ext(2, '01'), ...RPC_ONLY, because: /stream extension/ },
  { name: 'an Error extension that is not a map', hex: ext(3, '01'), ...RPC_ONLY, because: /error extension/ },
  { name: 'a Proxy extension with a bad ref id', hex: ext(1, 'ff'), ...RPC_ONLY, because: /bad reference id/ },
  { name: 'a timestamp of 5 bytes', hex: ext(-1, '0000000000'), ...BAD, because: /timestamp of 5 bytes/ },
];

const host: CodecHost = {
  exportRef: () => 1, importRef: (id) => {
    if (!Number.isSafeInteger(id) || id < 0) throw rpcError(RpcErrorCode.BAD_ARGS, 'a bad reference id');
    return { ref: id };
  },
  exportStream: () => [1, 0], importStream: (id) => ({ stream: id }), stacks: false,
};

function outcome(run: () => unknown): { code: string; error?: unknown } {
  try {
    run();
    return { code: 'ok' };
  } catch (error) {
    return { code: (error as SwarmwireError).code ?? `not typed: ${String(error)}`, error };
  }
}

const polluted = (): boolean => ({} as Record<string, unknown>).polluted !== undefined || Object.keys(Object.prototype).length > 0;

describe('hostile MessagePack: every decoder answers with its typed error', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const input = bytes(c.hex);
    const started = performance.now();
    const wire = outcome(() => unpack(input));
    expect(wire.code).toBe(c.wire);
    if (wire.error) expect(wire.error).toBeInstanceOf(WireError);
    const rpc = outcome(() => decodeValue(host, input, { maxDepth: 64 }));
    expect(rpc.code).toBe(c.rpc);
    if (rpc.error) {
      expect(rpc.error).toBeInstanceOf(RpcError); // the source's class: this decoder is imported from src
      expect((rpc.error as RpcError).status).toBe(Status.InvalidFrame);
      if (c.because) expect((rpc.error as Error).message).toMatch(c.because);
    }
    const l = outcome(() => lite.unpack(input));
    expect(l.code).toBe(c.lite);
    if (l.error) expect(l.error).toBeInstanceOf(lite.WireError);
    expect(polluted()).toBe(false);
    // Refused before anything is allocated or parsed: far below a second even for the 8 MiB bigint (it took 1.8 s).
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('the 200-byte bomb is about 200 bytes', () => {
    expect(bytes(nestedBomb(24)).length).toBeLessThan(260);
  });
});

describe('hostile MessagePack as RPC arguments: an Error frame, and the connection carries on', () => {
  let raw: MemoryTransport | undefined;
  afterEach(() => raw?.close());

  const rpcCases = CASES.filter((c) => c.rpc !== 'ok' && c.hex.length < 100_000);
  it.each(rpcCases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const [client, served] = memoryPair();
    raw = client;
    serve();
    function serve(): void {
      expose({ echo: (x: unknown) => x, add: (a: number, b: number) => a + b }, served, { name: 'calc' });
    }
    const frames: Frame[] = [];
    client.on('message', (b) => frames.push(decodeFrame(b.slice())));
    const send = (id: number, method: string, payload: Uint8Array): void =>
      client.send(encodeFrame({ type: MessageType.Request, requestId: id, moduleId: fnv1a64('calc'), methodHash: fnv1a32(method), payload }));
    send(1, 'echo', bytes(`91${c.hex}`)); // the hostile value as the one argument
    send(2, 'add', pack([20, 22]));
    await expect.poll(() => frames.length).toBe(2);
    const [refused, answered] = frames;
    expect(refused!.type).toBe(MessageType.Error);
    expect(refused!.requestId).toBe(1n);
    expect(decodeBody(refused!)).toMatchObject({ status: Status.InvalidFrame, data: { code: 'SW_ERR_RPC_BAD_ARGS' } });
    expect(answered!.type).toBe(MessageType.Response);
    expect(decodeBody(answered!)).toBe(42);
    expect(hexOf(answered!.payload)).toBe('2a');
  });
});
