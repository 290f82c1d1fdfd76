// Attack 2: claiming someone else's node id. Ids are public (the relay's peer list, Discovery, broadcast `from`), so
// an impostor writes a Hello with the victim's id by hand — or replays the victim's own recorded handshake bytes.
// Either way it must get nothing: no session, no frame meant for the victim; the victim must not notice.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { WebSocket } from 'ws';
import { check, sleep } from '../harness/arena.mjs';
import { F, T, body, frame, helloPayload, isUnknownType, pack, readFrames } from '../harness/wire.mjs';

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
  const attempt = { types: [], acks: [], acked: 0, error: false, close: undefined, refusedUpgrade: undefined };
  ws.on('error', () => {});
  ws.on('unexpected-response', (_req, res) => {
    attempt.refusedUpgrade = res.statusCode;
    res.resume();
    ws.terminate();
  });
  ws.on('message', (data) => {
    for (const f of readFrames(new Uint8Array(data))) {
      attempt.types.push(f.type);
      if (f.type === T.HelloAck) attempt.acks.push(f.payload.slice());
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

/**
 * The handshake as the victim sent it through the proxy: its first messages, up to the first that carries anything
 * but a Hello (or a handshake step the wire contract of today does not name).
 */
function recordedHello(arena) {
  const recorded = [];
  for (const m of arena.proxy.conns[0].fromClient) {
    if (!readFrames(m).every((f) => f.type === T.Hello || isUnknownType(f.type))) break;
    recorded.push(m);
  }
  if (recorded.length === 0) throw new Error('[attack] recorded no Hello from the victim');
  return recorded;
}

export const replay = {
  title: 'replayed handshake: the victim\'s own Hello bytes (recorded through a proxy) sent again on new connections',
  layers: 'WebSocket → recorded Hello (and any later handshake step) → session resume',
  arena: { proxyBob: true },
  async run(arena, scale) {
    const recorded = recordedHello(arena);
    const attempts = await impostors(arena.relay.wsUrl, scale.attackMs, () => recorded);
    return { tried: attempts.length, checks: verdict(attempts), notes: `replayed ${recorded.length} message(s)` };
  },
};

/** A Hello frame of `fields`, with `session` as given (undefined: none). */
function helloWith(fields, session) {
  const { session: _, ...rest } = fields;
  return frame({ type: T.Hello, payload: pack(session === undefined ? rest : { ...rest, session }) });
}

/** What a HelloAck says, but for what is fresh on every connection (its nonce, and its proof that covers it). */
function ackShape(payload) {
  const { nonce: _n, proof: _p, ...rest } = body(payload) ?? {};
  return JSON.stringify(rest, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

export const sessionProbe = {
  title: 'session probing: the victim\'s Hello (its public id and key) naming its live session, another one or none, and a stranger\'s, to read from the HelloAck whether the victim is connected and under which tag',
  layers: 'WebSocket → Hello (victim\'s id and key, a chosen `session`) → HelloAck',
  arena: { proxyBob: true },
  async run(arena, scale) {
    const victim = body(readFrames(recordedHello(arena)[0]).find((f) => f.type === T.Hello).payload);
    // A stranger: the same Hello with a key nobody holds a session for (its id derived as docs/protocol.md says).
    const key = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const nodeId = createHash('sha256').update(Uint8Array.of(1)).update(key).digest().subarray(0, 16);
    const variants = [
      helloWith(victim, victim.session), helloWith(victim, (victim.session + 1) >>> 0), helloWith(victim, undefined),
      helloWith({ ...victim, alg: 1, key: new Uint8Array(key), nodeId: new Uint8Array(nodeId) }, victim.session),
    ];
    const attempts = await impostors(arena.relay.wsUrl, scale.attackMs, (i) => [variants[i % variants.length]]);
    const shapes = new Set(attempts.flatMap((a) => a.acks.map(ackShape)));
    // Refused at the upgrade (the cap on connections handshaking from one address, which a long run reaches) is
    // refused for anyone alike: the probes counted are the ones that got to say Hello.
    const heard = attempts.filter((a) => a.refusedUpgrade === undefined);
    const answered = heard.filter((a) => a.acks.length === 1).length;
    return {
      tried: attempts.length,
      notes: `${heard.length} Hellos heard, ${attempts.length - heard.length} refused at the upgrade; ${shapes.size} HelloAck shape(s)`,
      checks: [
        ...verdict(attempts),
        check('every probe is answered with a HelloAck (a Hello for the victim is no different from a stranger\'s)', answered === heard.length && answered > 0,
          `${answered} of ${heard.length} (${attempts.length - heard.length} refused at the upgrade)`),
        check('the HelloAcks are all the same but for nonce and proof, and name no session', shapes.size === 1 && ![...shapes][0].includes('"session"'),
          `${shapes.size} different: ${[...shapes].map((x) => x.slice(-60)).join(' | ')}`),
      ],
    };
  },
};
