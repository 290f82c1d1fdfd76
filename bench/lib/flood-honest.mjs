// The flood bench's honest peers, in a process of their own: FLOOD_PAIRS (default 4) pairs of SDK sessions on the
// relay at argv[2]; in each pair A routes a small frame to B every FLOOD_INTERVAL_MS (default 20) and B routes it
// back, one in flight per pair. Round trips are timed here (both ends on one clock) and kept per phase: the parent
// names the phase ('phase:<name>') and asks for the figures ('report').
import { MessageType, connectSession, connectWebSocket, decodeBody } from 'swarmwire';
import { encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';

const url = process.argv[2];
const pairs = Number(process.env.FLOOD_PAIRS ?? 4);
const interval = Number(process.env.FLOOD_INTERVAL_MS ?? 20);
const options = { heartbeatIntervalMs: 5_000, reconnect: false };
const samples = new Map();
const lost = new Map();
let phase = 'warm-up';

async function pair() {
  const a = await connectSession(() => connectWebSocket(url), options);
  const b = await connectSession(() => connectWebSocket(url), options);
  b.on('frame', (f) => {
    if (f.type !== MessageType.Routed) return;
    const { from, frame } = parseRouted(decodeBody(f));
    b.send({ type: MessageType.Routed, body: routedBody(from, frame) });
  });
  const inner = encodeFrame({ type: MessageType.Event, payload: new Uint8Array(64).fill(7) });
  let sentAt = 0;
  let waiting = false;
  a.on('frame', (f) => {
    if (f.type !== MessageType.Routed || !waiting) return;
    waiting = false;
    (samples.get(phase) ?? samples.set(phase, []).get(phase)).push(performance.now() - sentAt);
  });
  setInterval(() => {
    // A round trip still out after a whole interval counts against its phase once it is back; one in flight only.
    if (waiting) {
      if (performance.now() - sentAt > 5_000) (waiting = false, lost.set(phase, (lost.get(phase) ?? 0) + 1));
      return;
    }
    waiting = true;
    sentAt = performance.now();
    a.send({ type: MessageType.Routed, body: routedBody(b.nodeId, inner) });
  }, interval);
}

await Promise.all(Array.from({ length: pairs }, pair));
process.send?.({ kind: 'ready' });
const percentile = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
process.on('message', (m) => {
  if (typeof m === 'string' && m.startsWith('phase:')) phase = m.slice(6);
  if (m === 'report') {
    const out = {};
    for (const [name, xs] of samples) {
      const s = [...xs].sort((x, y) => x - y);
      out[name] = { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.at(-1), lost: lost.get(name) ?? 0 };
    }
    process.send?.({ kind: 'report', phases: out });
  }
});
process.on('disconnect', () => process.exit(0));
