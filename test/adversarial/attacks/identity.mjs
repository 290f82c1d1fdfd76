// Attack 2: claiming someone else's node id. Ids are public (the relay's peer list, Discovery, broadcast `from`), so
// an impostor writes a Hello with the victim's id by hand — or replays the victim's own recorded handshake bytes.
// Either way it must get nothing: no session, no frame meant for the victim; the victim must not notice.
import { WebSocket } from 'ws';
import { check, sleep } from '../harness/arena.mjs';
import { F, T, frame, helloPayload, isUnknownType, readFrames } from '../harness/wire.mjs';

/** What an impostor may be sent: the handshake's own frames (a refusal, or a new handshake step), nothing else. */
const HANDSHAKE = new Set([T.Hello, T.HelloAck, T.Goodbye, T.Error]);
const isLeak = (type) => !HANDSHAKE.has(type) && !isUnknownType(type);
const REFUSAL_CLOSES = new Set([1002, 1008, 4002, 4008]);
/** How long the relay may take to end an impostor's connection: the handshake deadline (10 s), the Close, and a margin. */
const END_WITHIN_MS = 13_000;

/**
 * One impostor connection: sends `messages` (its handshake), then behaves as the victim would want least — acks
 * every acked frame it is given, so the relay forgets them. Resolves when the relay ended the connection or
 * `END_WITHIN_MS` passed.
 */
async function impostor(wsUrl, messages) {
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  const attempt = { types: [], acked: 0, error: false, close: undefined, refusedUpgrade: undefined };
  ws.on('error', () => {});
  ws.on('unexpected-response', (_req, res) => {
    attempt.refusedUpgrade = res.statusCode;
    res.resume();
    ws.terminate();
  });
  ws.on('message', (data) => {
    for (const f of readFrames(new Uint8Array(data))) {
      attempt.types.push(f.type);
      if (f.type === T.Error) attempt.error = true;
      if (f.features & F.ACK_REQUIRED && ws.readyState === WebSocket.OPEN) {
        ws.send(frame({ type: T.Ack, requestId: f.requestId }));
        attempt.acked++;
      }
    }
  });
  const ended = new Promise((resolve) => ws.on('close', (code) => resolve((attempt.close = code))));
  ws.once('open', () => {
    for (const m of messages) ws.send(m);
  });
  const timer = setTimeout(() => ws.terminate(), END_WITHIN_MS);
  await ended;
  clearTimeout(timer);
  if (attempt.close === 1006 && attempt.refusedUpgrade === undefined && !attempt.error) attempt.close = 'not ended by the relay in time';
  return attempt;
}

/** Starts an impostor every 100 ms for `ms`, each with the handshake `messagesFor(i)`; resolves with every attempt. */
async function impostors(wsUrl, ms, messagesFor) {
  const runs = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    runs.push(impostor(wsUrl, messagesFor(i)));
    await sleep(100);
  }
  return Promise.all(runs);
}

/** The checks every identity attack shares: nothing leaked, every attempt refused with an Error and a close. */
function verdict(attempts) {
  const leaked = attempts.flatMap((a) => a.types.filter(isLeak));
  // Refused: at the upgrade, with an Error and a close, or — a handshake step left unanswered — at the deadline.
  const refused = attempts.filter((a) => a.refusedUpgrade !== undefined || (a.error && REFUSAL_CLOSES.has(a.close)) || a.close === 1008 || a.close === 4008);
  const opened = attempts.filter((a) => a.types.includes(T.HelloAck) && a.types.some(isLeak));
  return [
    check('the impostor receives nothing meant for the victim', leaked.length === 0,
      `${leaked.length} frames leaked (types ${[...new Set(leaked)].join(', ')}), ${attempts.reduce((n, a) => n + a.acked, 0)} of them acked by the impostor`),
    check('no impostor handshake opens a session (HelloAck then traffic)', opened.length === 0, `${opened.length} of ${attempts.length} opened`),
    check('every impostor is refused: an Error and a close (1002/1008), or 1008 at the handshake deadline', refused.length === attempts.length,
      `${refused.length} of ${attempts.length}; closes: ${[...new Set(attempts.map((a) => a.close))].join(', ')}`),
  ];
}

export const takeover = {
  title: 'identity takeover: raw Hellos carrying a connected peer\'s node id (roles edge and relay, with a token, any version), the impostor acking all it gets',
  layers: 'WebSocket → Hello (victim\'s nodeId) → session resume',
  async run(arena, scale) {
    const victim = arena.ids.bob; // public: any peer reads it from the relay's peers()
    const variants = [
      helloPayload(victim), helloPayload(victim, { role: 'relay' }), helloPayload(victim, { token: 'guess' }),
      helloPayload(victim, { version: 255 }), // "any version you speak": the relay's own version, and its rules
    ];
    const attempts = await impostors(arena.relay.wsUrl, scale.attackMs, (i) => [frame({ type: T.Hello, payload: variants[i % variants.length] })]);
    return { tried: attempts.length, checks: verdict(attempts) };
  },
};

export const replay = {
  title: 'replayed handshake: the victim\'s own Hello bytes (recorded through a proxy) sent again on new connections',
  layers: 'WebSocket → recorded Hello (and any later handshake step) → session resume',
  arena: { proxyBob: true },
  async run(arena, scale) {
    const first = arena.proxy.conns[0];
    // The handshake as the victim sent it: its first messages, up to the first that carries anything but a Hello
    // (or a handshake step the wire contract of today does not name).
    const recorded = [];
    for (const m of first.fromClient) {
      if (!readFrames(m).every((f) => f.type === T.Hello || isUnknownType(f.type))) break;
      recorded.push(m);
    }
    if (recorded.length === 0) throw new Error('[attack] recorded no Hello from the victim');
    const attempts = await impostors(arena.relay.wsUrl, scale.attackMs, () => recorded);
    return { tried: attempts.length, checks: verdict(attempts), notes: `replayed ${recorded.length} message(s)` };
  },
};
