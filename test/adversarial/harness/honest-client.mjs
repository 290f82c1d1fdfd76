// The parent's handle on the honest peers' process (honest.mjs): start it, name measurement windows, read its report.
import { fork } from 'node:child_process';

const ENTRY = new URL('./honest.mjs', import.meta.url);

/** Starts the honest peers against `wsUrl` (bob through `bobUrl` when given); resolves once they are connected. */
export async function startHonest({ wsUrl, bobUrl, startMs = 20_000 }) {
  const child = fork(ENTRY, [JSON.stringify({ wsUrl, bobUrl })], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let err = '';
  child.stdout.on('data', () => {});
  child.stderr.on('data', (d) => (err = (err + d).slice(-10_000)));
  const replies = new Map();
  let next = 1;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[attack] the honest peers did not connect within ${startMs} ms: ${err}`)), startMs);
    child.on('message', (m) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(m.ids);
      } else replies.get(m.re)?.(m);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`[attack] the honest peers exited (${code ?? signal}): ${err}`));
    });
  });
  const ids = await ready;
  const ask = (m, ms = 30_000) => new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error(`[attack] the honest peers' process is gone: ${err}`));
    const re = next++;
    const timer = setTimeout(() => (replies.delete(re), reject(new Error(`[attack] the honest peers did not answer ${m.cmd} within ${ms} ms`))), ms);
    replies.set(re, (reply) => (clearTimeout(timer), replies.delete(re), resolve(reply)));
    child.send({ ...m, re });
  });
  return {
    ids,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    stderr: () => err,
    window: (name) => ask({ cmd: 'window', name }),
    /** Consumes and returns alice's next request id (what an attacker guessing her ids aims at). */
    nextId: async () => (await ask({ cmd: 'nextId' })).id,
    /** Stops the traffic, waits up to `drainMs` for what is in flight, and returns the counts and latencies. */
    report: async (drainMs) => (await ask({ cmd: 'report', drainMs }, drainMs + 20_000)).report,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
