// WebTransport attackers of the Deno relay, run under deno (--unstable-net) by test/adversarial/webtransport.test.ts,
// each on raw WebTransport sessions (the browser API, no SDK): bytes written on a bidirectional stream exactly as
// the attack needs them. One JSON line per attack, then {"done":true}.
//   deno run --unstable-net -A wt-attacker.js <wt url> <cert hash hex> <sessions for the flood>
//   deno run --unstable-net -A wt-attacker.js <wt url> <cert hash hex> 0 hold <sessions> <ms>
const [wtUrl, hash, floodArg] = Deno.args;
const print = (line) => console.log(JSON.stringify(line));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hashBytes = new Uint8Array(hash.match(/../g).map((h) => parseInt(h, 16)));
/** How long a session may outlive the relay's deadline: the handshake's 10 s, and slack for a busy machine. */
const GIVE_UP_MS = 25_000;

/** A 32-byte frame header (docs/protocol.md) of `type` announcing `length` payload bytes. */
function header(type, length) {
  const h = new Uint8Array(32);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x4d4c4e4b);
  h[4] = 1;
  h[5] = type;
  v.setUint32(28, length);
  return h;
}
const HELLO = 64;

/** A raw session and when the relay ended it (ms from opening, Infinity if not within GIVE_UP_MS). */
async function session() {
  const wt = new WebTransport(wtUrl, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hashBytes }] });
  wt.closed.catch(() => {});
  const opened = performance.now();
  let endedAt;
  const ended = wt.closed.then(() => (endedAt = performance.now()), () => (endedAt = performance.now()));
  await wt.ready;
  return {
    wt,
    get ended() {
      return endedAt !== undefined;
    },
    async endedAfter() {
      await Promise.race([ended, sleep(Math.max(0, opened + GIVE_UP_MS - performance.now()))]);
      return endedAt === undefined ? Infinity : Math.round(endedAt - opened);
    },
    close() {
      try {
        wt.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Writes `bytes` one byte every `everyMs` on a new stream of `s` until done or the session ended. */
async function trickle(s, bytes, everyMs) {
  const stream = await s.wt.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  stream.readable.pipeTo(new WritableStream()).catch(() => {});
  for (let i = 0; i < bytes.length && !s.ended; i++) {
    await writer.write(bytes.subarray(i, i + 1)).catch(() => {});
    await sleep(everyMs);
  }
}

const attacks = {
  /** A Hello frame's header announcing 1 KiB, then its payload a byte every 100 ms (it would take 100 s). */
  async 'trickled frame'() {
    const s = await session();
    void trickle(s, new Uint8Array([...header(HELLO, 1024), ...new Uint8Array(1024)]), 100);
    return { endedAfterMs: await s.endedAfter() };
  },
  /** A header announcing 4 GiB − 1 payload bytes, then a steady stream of zeros. */
  async 'huge frame length'() {
    const s = await session();
    const stream = await s.wt.createBidirectionalStream();
    stream.readable.pipeTo(new WritableStream()).catch(() => {});
    const writer = stream.writable.getWriter();
    let written = 0;
    void (async () => {
      await writer.write(header(HELLO, 0xffffffff)).catch(() => {});
      const zeros = new Uint8Array(64 * 1024);
      while (!s.ended && written < 64 * 1024 * 1024) {
        await writer.write(zeros).catch(() => {});
        written += zeros.length;
      }
    })();
    const endedAfterMs = await s.endedAfter();
    return { endedAfterMs, writtenBytes: written };
  },
  /** 200 bidirectional streams on one session, each with a Hello header that never completes. */
  async 'many streams'() {
    const s = await session();
    let opened = 0;
    for (let i = 0; i < 200 && !s.ended; i++) {
      try {
        const stream = await s.wt.createBidirectionalStream();
        stream.readable.pipeTo(new WritableStream()).catch(() => {});
        const w = stream.writable.getWriter();
        w.write(header(HELLO, 64)).catch(() => {});
        opened++;
      } catch {
        break;
      }
    }
    return { endedAfterMs: await s.endedAfter(), opened };
  },
  /** A session that opens its stream and never writes a byte. */
  async 'silent stream'() {
    const s = await session();
    const stream = await s.wt.createBidirectionalStream();
    stream.readable.pipeTo(new WritableStream()).catch(() => {});
    return { endedAfterMs: await s.endedAfter() };
  },
  /** A session that never opens a stream at all. */
  async 'no stream'() {
    const s = await session();
    return { endedAfterMs: await s.endedAfter() };
  },
  /** Datagrams before any Hello: 2,000 of them, each a Hello header. */
  async 'datagrams before Hello'() {
    const s = await session();
    const writer = s.wt.datagrams.writable.getWriter();
    let sent = 0;
    for (let i = 0; i < 2_000 && !s.ended; i++, sent++) await writer.write(header(HELLO, 0)).catch(() => {});
    return { endedAfterMs: await s.endedAfter(), sent };
  },
  /** Many sessions at once that never finish a Hello (a trickle each): a cap or the deadline must end them all. */
  async 'session flood'() {
    const n = Number(floodArg ?? 100);
    const sessions = [];
    for (let i = 0; i < n; i++) {
      try {
        sessions.push(await session());
      } catch {
        // refused at once: fine
      }
    }
    for (const s of sessions) void trickle(s, header(HELLO, 1024), 500);
    const ended = await Promise.all(sessions.map((s) => s.endedAfter()));
    return { opened: sessions.length, of: n, endedAfterMs: Math.max(0, ...ended), lingering: ended.filter((ms) => ms === Infinity).length };
  },
};

// `hold <sessions> <ms>`: opens that many sessions one after another, none ever opening a stream, prints how many
// the relay let in ({"held", "refused"}), keeps them for <ms>, closes them, prints {"closed": true}, then done.
if (Deno.args[3] === 'hold') {
  const sessions = [];
  let refused = 0;
  for (let i = 0; i < Number(Deno.args[4]); i++) {
    try {
      sessions.push(await session());
    } catch {
      refused++;
    }
  }
  print({ held: sessions.filter((s) => !s.ended).length, refused });
  await sleep(Number(Deno.args[5]));
  for (const s of sessions) s.close();
  print({ closed: true });
  print({ done: true });
  Deno.exit(0);
}

const results = await Promise.all(Object.entries(attacks).map(async ([name, run]) => {
  try {
    return { attack: name, ...(await run()) };
  } catch (error) {
    return { attack: name, failed: String(error?.message ?? error) };
  }
}));
for (const r of results) print(r);
print({ done: true });
Deno.exit(0);
