// W3C Trace Context on the wire (docs/protocol.md, "Trace context"): the trace block of a TRACE frame as hex
// fixtures, both directions; hostile blocks get WireError SW_ERR_FRAME_TRACE; sessions carry a context only to a
// peer that offered TRACE, so a peer that did not never sees the bit.
import { describe, expect, it } from 'vitest';
import { Feature, FrameReader, MessageType, Status, WireError, decodeBody, decodeFrame, encodeFrame, formatTraceparent, parseTraceparent, traceSize } from 'swarmwire/wire';
import { type Frame, SessionHost, connectSession, expose, memoryPair, wrap } from 'swarmwire';
import { until } from './fixtures/until.js';
import { docFrames, docSection } from './fixtures/doc-frames.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

// The W3C specification's own example ids.
const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };
const CALC = 0xb5168390e83bb3f4n;
const ADD = 0x3b391274;

// calc.add(2, 3), request 1, carrying TRACE; then the same with tracestate "congo=t61rcWkgMzE" (17 bytes): the
// bytes docs/protocol.md shows, so the document and the code cannot drift apart.
const [ADD_TRACED, ADD_STATE] = docFrames(docSection('### Trace context', '### Message types')) as [Uint8Array, Uint8Array];

describe('the trace block', () => {
  it('is written as the protocol document shows, and read back', () => {
    const frame = encodeFrame({ type: MessageType.Request, requestId: 1, moduleId: CALC, methodHash: ADD, body: [2, 3], trace: TRACE });
    expect(hex(frame)).toBe(hex(ADD_TRACED));
    const back = decodeFrame(frame);
    expect(back.features & Feature.TRACE).toBe(Feature.TRACE);
    expect(back.trace).toEqual({ ...TRACE, state: undefined });
    expect(back.payloadLength).toBe(30); // the wire's: the block counts
    expect(decodeBody(back)).toEqual([2, 3]); // the payload view starts behind the block
  });

  it('carries tracestate, from raw payload bytes too', () => {
    const trace = { ...TRACE, state: 'congo=t61rcWkgMzE' };
    const frame = encodeFrame({ type: MessageType.Request, requestId: 1, moduleId: CALC, methodHash: ADD, payload: new Uint8Array([0x92, 2, 3]), trace });
    expect(hex(frame)).toBe(hex(ADD_STATE));
    expect(traceSize(trace)).toBe(27 + 17);
    expect(decodeFrame(frame).trace).toEqual(trace);
  });

  it('is covered by the CRC-32C trailer and read the same out of a byte stream', () => {
    const frame = encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, body: { hi: 1 }, trace: TRACE });
    const reader = new FrameReader();
    reader.push(frame.subarray(0, 40));
    expect(reader.read()).toBeUndefined();
    reader.push(frame.subarray(40));
    const read = reader.read()!;
    expect(read.trace?.traceId).toBe(TRACE.traceId);
    expect(decodeBody(read)).toEqual({ hi: 1 });
    const damaged = frame.slice();
    damaged[40]! ^= 1; // inside the trace-id
    expect(() => decodeFrame(damaged)).toThrow(expect.objectContaining({ code: 'SW_ERR_FRAME_CHECKSUM' }));
  });

  it('sets the TRACE bit from the context alone: a frame re-sent without one loses the bit', () => {
    const frame = decodeFrame(encodeFrame({ type: MessageType.Event, features: Feature.TRACE | Feature.BATCHING, body: 1 }));
    expect(frame.features).toBe(Feature.BATCHING);
    expect(frame.trace).toBeUndefined();
  });

  it('drops whole tracestate entries from the end past 255 bytes, never half of one', () => {
    const entries = Array.from({ length: 30 }, (_, i) => `k${i}=${'v'.repeat(10)}`); // 14-15 bytes each
    const trace = { ...TRACE, state: entries.join(',') };
    const state = decodeFrame(encodeFrame({ type: MessageType.Event, trace })).trace!.state!;
    expect(state.length).toBeLessThanOrEqual(255);
    expect(entries.join(',').startsWith(state)).toBe(true);
    expect(state.split(',').every((e) => entries.includes(e))).toBe(true);
  });

  it('refuses ids that are not hex of the right length when encoding', () => {
    expect(() => encodeFrame({ type: MessageType.Event, trace: { ...TRACE, traceId: 'xyz' } })).toThrow(expect.objectContaining({ code: 'SW_ERR_FRAME_FIELD' }));
  });
});

describe('hostile trace blocks', () => {
  const header = (len: number): string => `4d4c4e4b 01 60 0040 0000000000000000 0000000000000000 00000000 ${len.toString(16).padStart(8, '0')}`;
  const cases: Array<[string, string, RegExp]> = [
    ['a payload shorter than a block', `${header(3)} 00 4bf9`, /needs 27 bytes/],
    ['an unknown block version', `${header(27)} 01 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01 00`, /version 1/],
    ['an all-zero trace-id', `${header(27)} 00 ${'00'.repeat(16)} 00f067aa0ba902b7 01 00`, /all-zero/],
    ['an all-zero parent-id', `${header(27)} 00 4bf92f3577b34da6a3ce929d0e0e4736 ${'00'.repeat(8)} 01 00`, /all-zero/],
    ['a tracestate longer than the payload', `${header(28)} 00 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01 05 61`, /does not fit/],
    ['a tracestate that is not printable ASCII', `${header(29)} 00 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01 02 610a`, /printable/],
  ];
  it.each(cases)('%s: WireError SW_ERR_FRAME_TRACE, InvalidFrame', (_, frame, message) => {
    let error: unknown;
    try {
      decodeFrame(bytes(frame));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireError);
    expect(error).toMatchObject({ code: 'SW_ERR_FRAME_TRACE', status: Status.InvalidFrame });
    expect((error as Error).message).toMatch(message);
  });
});

describe('traceparent', () => {
  it('round-trips the HTTP form', () => {
    const text = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(text, 'congo=t61rcWkgMzE')).toEqual({ ...TRACE, state: 'congo=t61rcWkgMzE' });
    expect(formatTraceparent(TRACE)).toBe(text);
  });

  it.each([
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'], // version ff is invalid
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'], // uppercase is not allowed
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'], // version 00 has exactly four fields
    ['garbage'],
  ])('refuses %s', (text) => expect(parseTraceparent(text)).toBeUndefined());
});

describe('sessions', () => {
  async function pair(serverFeatures?: number): Promise<{ received: Frame[]; send: (f: Parameters<Awaited<ReturnType<typeof connectSession>>['send']>[0]) => void; close: () => void }> {
    const host = new SessionHost({ heartbeatIntervalMs: 0, ...(serverFeatures === undefined ? {} : { features: serverFeatures }) });
    const received: Frame[] = [];
    let accepted: Promise<unknown> | undefined;
    const client = await connectSession(() => {
      const [a, b] = memoryPair();
      accepted = host.accept(b).then((s) => s.on('frame', (f) => received.push({ ...f, payload: f.payload.slice() })));
      return a;
    }, { heartbeatIntervalMs: 0 });
    await accepted;
    return { received, send: (f) => void client.send(f), close: () => (client.close(), host.close()) };
  }

  it('carry the context to a peer that offered TRACE, compressed payloads included', async () => {
    const p = await pair();
    p.send({ type: MessageType.Event, body: 'small', trace: TRACE });
    p.send({ type: MessageType.Event, body: 'x'.repeat(10_000), trace: TRACE }); // past compressThreshold
    await until(() => p.received.length === 2);
    for (const f of p.received) expect(f.trace).toEqual({ ...TRACE, state: undefined });
    expect(decodeBody(p.received[0]!)).toBe('small');
    expect(decodeBody(p.received[1]!)).toBe('x'.repeat(10_000));
    p.close();
  });

  it('leave it out for a peer that did not offer TRACE (the bit is reserved there)', async () => {
    const p = await pair(Feature.BATCHING | Feature.ACK_REQUIRED);
    p.send({ type: MessageType.Event, body: 'plain', trace: TRACE });
    await until(() => p.received.length === 1);
    expect(p.received[0]!.features & Feature.TRACE).toBe(0);
    expect(p.received[0]!.trace).toBeUndefined();
    expect(decodeBody(p.received[0]!)).toBe('plain');
    p.close();
  });
});

describe('a traced frame with an empty payload', () => {
  it('is an empty payload to RPC: a Response of undefined and a Request of no arguments still work', async () => {
    const [a, b] = memoryPair();
    expose({ none: () => undefined }, b, { name: 'm' });
    const seen: Uint8Array[] = [];
    // A peer that traces every frame it sends, even empty ones: wrap the transport's send.
    const send = b.send.bind(b);
    b.send = (bytes: Uint8Array, priority?: Parameters<typeof send>[1]) => {
      const frame = decodeFrame(bytes);
      const traced = encodeFrame({ ...frame, trace: TRACE });
      seen.push(traced);
      return send(traced, priority);
    };
    expect(await wrap<{ none(): undefined }>(a, { name: 'm' }).none()).toBeUndefined();
    expect(seen.length).toBe(1);
    expect(decodeFrame(seen[0]!).payloadLength).toBe(27); // the block alone
    a.close();
  });
});
