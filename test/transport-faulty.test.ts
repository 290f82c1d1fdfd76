// The fault-injecting wrapper: transparent with no faults, reproducible from its seed, and each fault does what
// its doc says (order kept under delay, corruption on a copy, no duplicated Hello, a drop ends in a cut).
import { describe, expect, it } from 'vitest';
import { faulty } from '../src/transport/faulty.js';
import { memoryPair } from '../src/transport/memory.js';
import { CloseCode, type CloseInfo } from '../src/transport/transport.js';
import { encodeFrame } from '../src/wire/frame.js';
import { MessageType } from '../src/wire/constants.js';

const frames = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => encodeFrame({ type: MessageType.Event, requestId: i + 1, body: i }));
const idOf = (bytes: Uint8Array): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(12);

async function run(options: Parameters<typeof faulty>[1], n = 200) {
  const [a, b] = memoryPair();
  const f = faulty(a, options);
  const got: Uint8Array[] = [];
  b.on('message', (bytes) => got.push(bytes.slice()));
  const closed = new Promise<CloseInfo>((r) => f.on('close', r));
  const sent = frames(n);
  const copies = sent.map((s) => s.slice());
  for (const s of sent) f.send(s);
  await Promise.race([closed, new Promise((r) => setTimeout(r, 300))]);
  return { f, got, sent, copies, closed: f.state === 'closed' ? await closed : undefined };
}

describe('faulty()', () => {
  it('is a transparent pass-through with no faults', async () => {
    const { got, sent, f } = await run({});
    expect(got).toEqual(sent);
    expect(f.stats).toMatchObject({ dropped: 0, delayed: 0, duplicated: 0, corrupted: 0, disconnects: 0 });
  });

  it('keeps order under delays', async () => {
    const { got, f } = await run({ delay: 0.5, maxDelayMs: 20 });
    expect(f.stats.delayed).toBeGreaterThan(50);
    expect(got.map(idOf)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('duplicates messages but never a Hello', async () => {
    const [a, b] = memoryPair();
    const f = faulty(a, { duplicate: 1 });
    const got: Uint8Array[] = [];
    b.on('message', (bytes) => got.push(bytes.slice()));
    f.send(encodeFrame({ type: MessageType.Hello, body: {} }));
    f.send(encodeFrame({ type: MessageType.Event, body: 1 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((g) => g[5])).toEqual([MessageType.Hello, MessageType.Event, MessageType.Event]);
  });

  it('corrupts copies, never the bytes the sender keeps', async () => {
    const { got, sent, copies, f } = await run({ corrupt: 0.3 });
    expect(f.stats.corrupted).toBeGreaterThan(20);
    expect(sent).toEqual(copies);
    expect(got.filter((g, i) => g.some((byte, k) => byte !== sent[i]![k])).length).toBe(f.stats.corrupted);
  });

  it('turns a drop into a black hole and then a cut (a transport loses a suffix, never a middle)', async () => {
    const { got, closed, f } = await run({ drop: 0.05, dropCutMs: 10, seed: 3 });
    expect(f.stats.dropped).toBe(1);
    expect(closed).toMatchObject({ code: CloseCode.Abnormal, error: { code: 'SW_ERR_PEER_GONE' } });
    expect(got.map(idOf)).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expect(got.length).toBeLessThan(200);
  });

  it('is reproducible from its seed', async () => {
    const one = await run({ corrupt: 0.2, duplicate: 0.2, delay: 0.2, seed: 42 });
    const two = await run({ corrupt: 0.2, duplicate: 0.2, delay: 0.2, seed: 42 });
    expect(one.f.stats).toEqual(two.f.stats);
    expect(one.got).toEqual(two.got);
  });
});
