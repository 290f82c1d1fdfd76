// Attack 8: the relay's HTTP side — GET /metrics and /healthz, which any stranger reaches without a handshake.
// Request lines a URL parser refuses, headers and URLs past every limit, pipelines, requests and upgrades trickled
// a byte at a time (HTTP slowloris), scrapes in a flood, and peer-controlled strings (roles, names, topics) built
// to break out of a Prometheus label. Expected: a 4xx or a closed connection for each odd request, the relay alive
// after every one, slowloris connections ended by the relay's request deadline, and /metrics still text a real
// Prometheus parser reads, with nothing a peer wrote in it.
import parsePrometheus from 'parse-prometheus-text-format';
import { check, sleep } from '../harness/arena.mjs';
import { rawRequest, trickleRequest } from '../harness/raw-http.mjs';
import { T, pack } from '../harness/wire.mjs';

const UPGRADE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const get = (target, headers = '') => `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

/** Requests no browser sends. Each gets a fresh connection; the relay must answer or close, and live. */
export const ODD_REQUESTS = [
  ['a path the URL parser refuses (//[)', get('//[')],
  ['a host part with a space (//a b)', get('//a%20b').replace('%20', ' ')],
  ['an authority-form port out of range (//x:99999/)', get('//x:99999/')],
  ['an absolute-form URL cut short (http://[::1)', get('http://[::1')],
  ['the same odd paths on the upgrade path', get('//[', UPGRADE)],
  ['an upgrade to an absolute URL cut short', get('http://[::1/ws', UPGRADE)],
  ['percent-encoding that decodes to nothing (/metrics%zz, /%00)', get('/metrics%zz') + get('/%00')],
  ['dot segments (/x/../metrics)', get('/x/../metrics')],
  ['a 64 KiB URL', get(`/metrics?${'a'.repeat(64 * 1024)}`)],
  ['a 32 KiB header', get('/healthz', `X-Big: ${'b'.repeat(32 * 1024)}\r\n`)],
  ['2,000 small headers', get('/healthz', Array.from({ length: 2_000 }, (_, i) => `X-${i}: y\r\n`).join(''))],
  ['500 pipelined scrapes in one write', Array.from({ length: 500 }, (_, i) => get(i % 2 ? '/metrics' : '/healthz')).join('')],
  ['a body announcing 10^12 bytes', `POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n${'z'.repeat(1024)}`],
  ['a chunked body with a huge chunk size', `POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nzz`],
  ['both Content-Length and chunked (smuggling)', `POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n`],
  ['CONNECT and OPTIONS *', `CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\n`],
  ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['HTTP/9.9 and HTTP/0.9', `GET /metrics HTTP/9.9\r\n\r\nGET /healthz\r\n\r\n`],
  ['binary garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff))],
  ['NUL and CR in the request line', 'GET /metrics\0\r HTTP/1.1\r\n\r\n'],
];

/** Strings a peer controls (its role, its name, topics) written to escape a Prometheus label or add a sample. */
export const LABEL_BREAKERS = [
  'x"} 1\nswarmwire_relay_forged_total 666\n# EOF',
  '\\"\\\\\n\r\t\u0000}{=,',
  'a'.repeat(4000), // long, and under the relay's maxPeerInfoBytes (4,096) as a peer's name
  '# HELP swarmwire_relay_peers forged\n# TYPE swarmwire_relay_peers counter',
  '\u2028\u2029\ud800', // line separators and a lone surrogate
];

/** Every sample line of exposition format 0.0.4 (name, optional labels with escaped values, a number). */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*)?\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

/** Reads /metrics and says what is wrong with it (empty when it parses and holds only the relay's own families). */
export async function metricsProblems(base) {
  const r = await fetch(new URL('/metrics', base), { signal: AbortSignal.timeout(10_000) }).catch((e) => e);
  if (!(r instanceof Response)) return [`no answer: ${r?.message ?? r}`];
  if (r.status !== 200) return [`status ${r.status}`];
  const text = await r.text();
  const problems = [];
  let families = [];
  try {
    families = parsePrometheus(text);
  } catch (error) {
    problems.push(`the parser refused it: ${error?.message ?? error}`);
  }
  for (const f of families) if (!/^swarmwire_relay_[a-z_]+$/.test(f.name)) problems.push(`a family nobody declared: ${f.name}`);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP swarmwire_relay_') || line.startsWith('# TYPE swarmwire_relay_')) continue;
    if (!SAMPLE.test(line)) problems.push(`not a sample line: ${JSON.stringify(line.slice(0, 120))}`);
  }
  if (/forged/.test(text)) problems.push('a forged sample or family is in the text');
  return problems;
}

/** Runs `count` loops of `task` at once until `ms` passed; resolves with how many tasks ran. */
async function flood(count, ms, task) {
  const end = performance.now() + ms;
  let n = 0;
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    while (performance.now() < end) {
      n++;
      await task(i);
    }
  }));
  return n;
}

export const httpSurface = {
  title: 'HTTP side: odd request lines, URLs and headers past the limits, pipelines, smuggling, a /metrics + /healthz scrape flood, HTTP slowloris, Prometheus label injection through roles, names and topics',
  layers: 'TCP → HTTP parser → URL → /metrics, /healthz text',
  async run(arena, scale) {
    const base = arena.relay.url;
    let tried = 0;
    const killed = [];
    const answers = [];
    for (const [what, bytes] of ODD_REQUESTS) {
      tried++;
      const r = await rawRequest(base, bytes, { localAddress: '127.0.0.9' });
      answers.push(`${what}: ${r.statuses.slice(0, 3).join(',') || (r.ended ? 'closed' : 'no answer')}${r.statuses.length > 3 ? `… (${r.statuses.length})` : ''}`);
      await sleep(50); // a crash takes a tick to end the process
      if (arena.relay.exited || !(await arena.relay.healthz(3_000)).ok) {
        killed.push(`${what}: ${arena.relay.death() ?? '/healthz stopped answering'}`);
        break;
      }
    }

    // Peer-controlled strings in every place a label could take them from: roles (the relay refuses a role it does
    // not know), names, topics.
    for (const s of LABEL_BREAKERS) {
      if (arena.relay.exited) break;
      tried++;
      const refused = await arena.outsider({ role: s }).then(() => 'let in', (error) => `refused (${error?.code ?? error?.message})`);
      if (s === LABEL_BREAKERS[0]) answers.push(`a peer whose role breaks a label: ${refused}`);
    }
    const breakers = [];
    for (const s of LABEL_BREAKERS) {
      if (arena.relay.exited) break;
      try {
        const o = await arena.outsider({ name: s });
        for (const topic of LABEL_BREAKERS) await o.send({ type: T.Subscribe, payload: pack(topic) });
        await o.send({ type: T.Broadcast, payload: pack({ topic: s, data: 1 }) });
        tried += 2 + LABEL_BREAKERS.length;
        breakers.push(o);
      } catch (error) {
        answers.push(`a peer named ${JSON.stringify(s.slice(0, 20))}: refused (${error?.code ?? error?.message})`);
      }
    }
    await sleep(200);
    const labels = arena.relay.exited ? ['the relay is dead'] : await metricsProblems(base);

    // Slowloris over HTTP, on the page's port and on the upgrade path, while 32 loops scrape /metrics and /healthz.
    const slow = Array.from({ length: scale.slowloris }, (_, i) =>
      trickleRequest(base, i % 2 ? 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' : `GET /ws HTTP/1.1\r\nHost: x\r\n${UPGRADE}X-Slow: `,
        { localAddress: `127.0.0.${10 + (i % 100)}`, everyMs: 200, giveUpMs: END_WITHIN_MS + 5_000 }));
    tried += slow.length;
    let scrapeFailures = 0;
    const scrapes = await flood(32, scale.attackMs, async (i) => {
      const r = await rawRequest(base, get(i % 2 ? '/metrics' : '/healthz', 'Connection: close\r\n'), { timeoutMs: 5_000, localAddress: `127.0.1.${1 + i}` });
      if (r.statuses[0] !== 200) scrapeFailures++;
    });
    tried += scrapes;
    const slowEnded = await Promise.all(slow);
    const lingering = slowEnded.filter((ms) => ms > END_WITHIN_MS);
    const labelsAfter = arena.relay.exited ? ['the relay is dead'] : await metricsProblems(base);
    return {
      tried,
      checks: [
        check('every odd request is answered or closed, and the relay lives through each', killed.length === 0, killed.join('; ')),
        check('/metrics parses, holds only swarmwire_relay_ families, and nothing peers wrote escapes a label', labels.length === 0 && labelsAfter.length === 0,
          [...labels, ...labelsAfter].slice(0, 5).join('; ')),
        check(`requests trickled a byte every 200 ms are ended within ${END_WITHIN_MS / 1000} s`, lingering.length === 0,
          `${lingering.length} of ${slowEnded.length} lingered (ended after ${Math.round(Math.min(...slowEnded))}–${Math.round(Math.max(...slowEnded))} ms)`),
        check('scrapes during the flood are all answered 200', scrapeFailures === 0, `${scrapeFailures} of ${scrapes} were not`),
      ],
      notes: `${scrapes.toLocaleString('en')} scrapes; slowloris ended after ${Math.round(Math.min(...slowEnded))}–${Math.round(Math.max(...slowEnded))} ms; ${answers.join('; ')}`,
    };
  },
};

/** The relay's request deadline (handshake timeout 10 s + 1 s) plus Node's 1 s check interval and slack. */
const END_WITHIN_MS = 13_000;
