// The relay under attack: `swarmwire relay --port 0` (bin/swarmwire.mjs, the command users run: the built relay with
// its in-process agent host) as its own process on 127.0.0.1. What the suite reads of it from outside: its
// resident memory (/proc/<pid>/status), whether it still answers /healthz, and which TCP connections it holds.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { get } from 'node:http';

// ATTACK_RELAY_BIN runs another entry with the same command line and output (a relay built elsewhere, say).
const BIN = process.env.ATTACK_RELAY_BIN ?? new URL('../../../bin/swarmwire.mjs', import.meta.url).pathname;

/** Starts the relay (with `args` added to its command line); resolves once it printed its URLs. */
export async function startRelayProcess({ startMs = 20_000, args = [] } = {}) {
  const child = spawn(process.execPath, [BIN, 'relay', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[attack] the relay did not start within ${startMs} ms: ${out}${err}`)), startMs);
    child.stdout.on('data', (d) => {
      out += d;
      const ws = /websocket:\s+(ws:\/\/\S+)/.exec(out);
      const page = /page:\s+(http:\/\/\S+)/.exec(out);
      if (ws && page) {
        clearTimeout(timer);
        resolve({ wsUrl: ws[1], url: page[1] });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`[attack] the relay exited (${code ?? signal}) before listening: ${out}${err}`));
    });
  });
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    ...urls,
    pid: child.pid,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    /** How it ended, if it did: exit code or signal, and the end of what it wrote to stderr. */
    death: () => (child.exitCode !== null || child.signalCode !== null ? `${child.signalCode ?? `exit ${child.exitCode}`}: ${lastLines(err, 3)}` : undefined),
    rssKiB: () => rssKiB(child.pid),
    /** CPU time the relay process has used so far, ms (user + system). */
    cpuMs: () => cpuMs(child.pid),
    /** One GET /healthz: `{ ok, ms }`, ok false when it did not answer 200 within `timeoutMs`. */
    healthz: (timeoutMs = 2_000) => healthz(`${urls.url}healthz`, timeoutMs),
    /** Alive: the process runs and /healthz answers. */
    async alive() {
      if (this.exited) return false;
      return (await healthz(`${urls.url}healthz`, 3_000)).ok;
    },
    /** True while the relay holds a TCP connection whose far end is 127.0.0.x:`port` (a socket it has not destroyed). */
    holdsConnectionFrom: (port) => holdsConnectionFrom(child.pid, port),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

const lastLines = (text, n) => text.trim().split('\n').slice(-n).join(' | ');

/** Resident set size of a process, KiB (NaN once it is gone). */
export function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** CPU time of a process, ms: utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ). NaN once gone. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function healthz(url, timeoutMs) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (ok) => resolve({ ok, ms: performance.now() - t0 });
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
  });
}

/**
 * Whether process `pid` holds a TCP socket connected to local port `port` (the attacker's end): its socket inodes
 * (/proc/<pid>/fd) matched against the kernel's connection table. A socket the relay destroyed is gone from both.
 */
function holdsConnectionFrom(pid, port) {
  let inodes;
  try {
    inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    }).filter(Boolean));
  } catch {
    return false;
  }
  const want = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[2].endsWith(`:${want}`) && inodes.has(cols[9])) return true;
    }
  }
  return false;
}
