// Starts the Deno relay (dist/deno.js under the npm `deno` binary, --unstable-net) on 127.0.0.1 port 0 and
// reads the URLs and certificate hash it prints; stop() ends it by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
/** The npm `deno` binary. */
export const DENO = `${ROOT}node_modules/@deno/linux-x64-glibc/deno`;

export interface DenoRelay {
  readonly child: ChildProcess;
  /** http://127.0.0.1:port/ */
  readonly url: string;
  readonly wsUrl: string;
  readonly wtUrl: string;
  /** SHA-256 of its certificate, hex. */
  readonly hash: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** An environment for deno with its own cache folder (removed by the caller) and no update check or colours. */
export function denoEnv(denoDir: string): NodeJS.ProcessEnv {
  return { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
}

/** Runs `deno run --unstable-net -A dist/deno.js --port 0`; rejects if it has not printed its URLs in `ms`. */
export async function startDenoRelay(ms = 30_000): Promise<DenoRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'sw-deno-relay-'));
  const child = spawn(DENO, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', `${ROOT}dist/deno.js`, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(dir) });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Deno relay printed no URLs within ${ms} ms:\n${out}`)), ms);
      child.stdout!.on('data', () => /cert sha-256: [0-9a-f]{64}/.test(out) && (clearTimeout(timer), resolve()));
      void exited.then(() => (clearTimeout(timer), reject(new Error(`the Deno relay exited:\n${out}`))));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const field = (name: string): string => new RegExp(`${name}:\\s+(\\S+)`).exec(out)![1]!;
  return { child, url: field('page'), wsUrl: field('websocket'), wtUrl: field('webtransport'), hash: field('cert sha-256'), output: () => out, stop };
}
