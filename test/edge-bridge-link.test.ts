// The link under a room bridge (src/edge/bridge-link.ts), driven by a host that records pushes and fails them on
// request: what goes in one push, what rides back in an answer, one push in flight at a time, and the order kept
// across a failed push.
import { describe, expect, it } from 'vitest';
import { BridgeLink, type LinkHost, MAX_PUSH_BYTES } from '../src/edge/bridge-link.js';
import { decodeFrames, encodeFrame } from '../src/wire/frame.js';
import { MessageType } from '../src/wire/constants.js';

const event = (n: number, size = 8): Uint8Array => encodeFrame({ type: MessageType.Event, requestId: n, payload: new Uint8Array(size).fill(n & 0xff) });
const ack = (n: number): Uint8Array => encodeFrame({ type: MessageType.Ack, requestId: n });
const ids = (bytes: Uint8Array): number[] => (bytes.length ? decodeFrames(bytes, { maxPayload: 2 * MAX_PUSH_BYTES }).map((f) => Number(f.requestId)) : []);
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A host whose pushes wait until the test settles them. */
function host() {
  const pushes: Array<{ frames: number[]; settle(answer?: Uint8Array): void; fail(): void }> = [];
  const answered: number[][] = [];
  const failures: unknown[] = [];
  const h: LinkHost = {
    push: (frames) => new Promise((resolve, reject) => {
      pushes.push({ frames: ids(frames), settle: (a = new Uint8Array(0)) => resolve(a), fail: () => reject(new Error('down')) });
    }),
    answered: (frames) => void answered.push(ids(frames)),
    failed: (error) => void failures.push(error),
  };
  return { h, pushes, answered, failures };
}

describe('BridgeLink', () => {
  it('pushes what is sent in one task together, one push at a time, in order', async () => {
    const { h, pushes } = host();
    const link = new BridgeLink(h);
    link.send(event(1));
    link.send(event(2));
    await tick();
    link.send(event(3));
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[1, 2]]); // 3 waits for the push in flight
    pushes[0]!.settle();
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[1, 2], [3]]);
  });

  it('cuts pushes at MAX_PUSH_BYTES, and sends a larger frame alone', async () => {
    const { h, pushes } = host();
    const link = new BridgeLink(h);
    const big = MAX_PUSH_BYTES / 2;
    for (const n of [1, 2, 3]) link.send(event(n, big - 100));
    link.send(event(4, MAX_PUSH_BYTES + 10));
    for (let i = 0; i < 3; i++) {
      await tick();
      pushes.at(-1)!.settle();
    }
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[1, 2], [3], [4]]);
  });

  it('returns the Acks a push caused in its answer, and hands the answer it gets to its peer', async () => {
    const { h, pushes, answered } = host();
    const link = new BridgeLink(h);
    const answer = link.answer(() => {
      link.send(ack(7));
      link.send(event(8)); // not an answer: pushed
    });
    expect(ids(answer)).toEqual([7]);
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[8]]);
    pushes[0]!.settle(ack(8));
    await tick();
    expect(answered).toEqual([[8]]);
  });

  it('after a failed push sends nothing until resume(), then what is unacked first; best-effort frames sent while down are lost', async () => {
    const { h, pushes, failures } = host();
    const link = new BridgeLink(h);
    link.send(event(1));
    await tick();
    link.send(event(2)); // queued behind the push in flight, lost with it (an acked frame waits in storage)
    pushes[0]!.fail();
    await tick();
    expect(failures).toHaveLength(1);
    expect(link.state).toBe('down');
    link.send(event(3)); // down: dropped
    link.resuming();
    link.send(event(4)); // resuming: queued behind what resume() brings
    await tick();
    expect(pushes).toHaveLength(1);
    link.resume([event(1), event(2)]);
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[1], [1, 2, 4]]);
  });

  it('pushes nothing once closed, and a woken link waits for resume()', async () => {
    const { h, pushes } = host();
    const link = new BridgeLink(h);
    link.close();
    link.send(event(1));
    const woken = new BridgeLink(h, 'resuming');
    woken.send(event(3));
    await tick();
    expect(pushes).toEqual([]);
    woken.resume([event(2)]);
    await tick();
    expect(pushes.map((p) => p.frames)).toEqual([[2, 3]]);
  });
});
