// The packed package as a new user meets it: `npm pack` of a fresh copy of this checkout, installed into an empty
// project, then the README's first steps there — `npx swarmwire relay` and hello.mjs on Node 20, 22 and 24, the
// declarations under TypeScript, and Deno. (The browser part of the tour, esbuild + Chromium, a script tag and the
// CDN file, is e2e/package-bundler.e2e.test.ts.)
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Session } from 'swarmwire';
import { runCommand, startCommand } from '../fixtures/cli.js';
import { type Packed, ROOT, nodeBinary, packed } from '../fixtures/packed.js';
import { readmeBlock, substitute } from '../fixtures/readme.js';
import { until } from '../fixtures/until.js';

const deno = `${ROOT}/node_modules/@deno/linux-x64-glibc/deno`;
const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };
let pkg: Packed;
const projects: string[] = [];
const project = (name: string): string => {
  const dir = pkg.newProject(name);
  projects.push(dir);
  return dir;
};

beforeAll(async () => {
  pkg = await packed();
}, 600_000);
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds the built package, its license and changelog, and no sources or tests', async () => {
    const list = await runCommand('tar', ['tzf', pkg.tarball]);
    const files = list.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/swarmwire.mjs', 'dist/index.js', 'dist/swarmwire.wasm', 'dist/cli.js', 'dist/types/index.d.ts']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(src|test|e2e|bench|scripts|assembly|examples)\//.test(f))).toEqual([]);
    expect(readFileSync(join(pkg.project, 'node_modules/swarmwire/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} swarmwire contributors\n/);
  });

  it('has every file its exports map and bin name, once installed', () => {
    const installed = join(pkg.project, 'node_modules/swarmwire');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: unknown; bin: Record<string, string> };
    const targets = new Set<string>();
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(manifest.exports);
    walk(manifest.bin);
    expect(targets.size).toBeGreaterThan(20);
    expect([...targets].filter((file) => !existsSync(join(installed, file)))).toEqual([]);
  });
});

describe.each([20, 22, 24])('the README first steps on Node %i', (major) => {
  it('npx swarmwire --version, npx swarmwire relay, then hello.mjs against it', async () => {
    const node = await nodeBinary(major);
    const dir = project(`node${major}`);
    // What npx runs: the package's bin through node_modules/.bin, with this Node first on PATH.
    const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
    const swarmwire = join(dir, 'node_modules/.bin/swarmwire');
    const versions = await runCommand(swarmwire, ['--version'], { env });
    expect(versions).toMatchObject({ code: 0, stdout: `${version}\n` });

    const relay = startCommand(swarmwire, ['relay', '--port', '0'], { env, cwd: dir });
    try {
      const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady\. Ctrl-C to stop\.\n/);
      writeFileSync(join(dir, 'hello.mjs'), substitute(readmeBlock('first-steps'), [['ws://127.0.0.1:8787/ws', ws!]]));
      const hello = await runCommand(node, ['hello.mjs'], { cwd: dir, env });
      expect(hello.stderr).toBe('');
      expect(hello.stdout).toBe("e3069283\nhello\n[ 'core', 'edge' ]\n");
      expect(hello.code).toBe(0);
      const stopped = await relay.stop('SIGINT');
      expect(stopped.code).toBe(0);
      expect(await runCommand(node, ['--version'])).toMatchObject({ stdout: expect.stringMatching(new RegExp(`^v${major}\\.`)) });
    } finally {
      await relay.stop('SIGKILL');
    }
  }, 120_000);
});

describe('TypeScript', () => {
  // skipLibCheck as `tsc --init` sets it: with it off, a project without @types/node and lib esnext.disposable
  // trips over the declarations (NodeJS, Buffer, Disposable, and LinkHost, which stripInternal drops).
  // Node10 ("node", older projects' setting) reads no "exports": the subpaths reach it through "typesVersions".
  it.each([['NodeNext', 'NodeNext'], ['Node10', 'ESNext']])('types every entry point from the installed declarations (strict, moduleResolution %s), and refuses a wrong call', async (resolution, module) => {
    const dir = project(`typescript-${resolution}`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module, moduleResolution: resolution, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: true, noEmit: true },
      include: ['*.ts'],
    }));
    writeFileSync(join(dir, 'user.ts'), `import { connectSession, connectWebSocket, init, wrap, type Remote } from 'swarmwire';
import { crc32c } from 'swarmwire/wire';
import * as inline from 'swarmwire/inline';
import { connect } from 'swarmwire/lite';
import { startRelay, type RelayServer } from 'swarmwire/node';
import type { DenoRelayServer } from 'swarmwire/relay/deno';
import { SwarmwireRelay } from 'swarmwire/workers';

interface RelayModule { echo(text: string): string; }
export async function main(): Promise<string> {
  await init();
  const checksum: number = crc32c(new Uint8Array(4));
  const session = await connectSession(() => connectWebSocket('ws://127.0.0.1:8787/ws'));
  const relay: Remote<RelayModule> = wrap<RelayModule>(session, { name: 'relay' });
  const echoed: string = await relay.echo(String(checksum));
  // @ts-expect-error: echo takes a string (the types are real, not any)
  await relay.echo(42);
  // @ts-expect-error: crc32c takes bytes
  crc32c('text');
  const server: RelayServer = await startRelay({ port: 0 });
  void [inline.init, connect, SwarmwireRelay, server, null as unknown as DenoRelayServer];
  return echoed;
}
`);
    const tsc = await runCommand(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', dir], { cwd: dir });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 60_000);
});

describe('TypeScript: the README\'s typed snippets, library declarations checked too', () => {
  // As a user copies them: the typed first program and the two Worker files, against the installed declarations under
  // both resolutions a project picks, with skipLibCheck off (the declarations themselves are checked) and no Node
  // types. The Workers globals stand for @cloudflare/workers-types', by the package's own shapes of them.
  it.each(['NodeNext', 'Bundler'])('moduleResolution %s', async (resolution) => {
    const dir = project(`typescript-readme-${resolution}`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: resolution === 'Bundler' ? 'ESNext' : 'NodeNext', moduleResolution: resolution, target: 'ES2022',
        lib: ['ES2022', 'DOM', 'ESNext.Disposable'], types: [], skipLibCheck: false, noEmit: true,
      },
      include: ['*.ts'],
    }));
    writeFileSync(join(dir, 'globals.d.ts'), `import type { DurableObjectNamespaceLike, DurableObjectStateLike } from 'swarmwire/workers';
declare global {
  type DurableObjectNamespace = DurableObjectNamespaceLike;
  type DurableObjectState = DurableObjectStateLike;
}
`);
    writeFileSync(join(dir, 'hello.ts'), readmeBlock('typescript'));
    writeFileSync(join(dir, 'worker.ts'), readmeBlock('worker'));
    writeFileSync(join(dir, 'rooms.ts'), readmeBlock('worker-rooms'));
    const tsc = await runCommand(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', dir], { cwd: dir });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 60_000);
});

describe('Deno', () => {
  let relay: ReturnType<typeof startCommand> | undefined;
  let listener: Session | undefined;
  afterAll(async () => {
    listener?.close();
    await relay?.stop('SIGKILL');
  });

  it('runs the README Deno snippet from the installed package against the package\'s own Deno relay', async () => {
    const dir = project('deno');
    const env = { ...process.env, DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    relay = startCommand(deno, ['run', '--unstable-net', '-A', 'node_modules/swarmwire/dist/deno.js', '--port', '0', '--no-webtransport'], { env, cwd: dir });
    const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady\. Ctrl-C to stop\.\n/);
    const heard: unknown[] = [];
    listener = await connectSession(() => connectWebSocket(ws!), { heartbeatIntervalMs: 0, reconnect: false });
    listener.on('frame', (f) => f.type === MessageType.Broadcast && heard.push(decodeBody<{ data: unknown }>(f).data));
    writeFileSync(join(dir, 'main.ts'), substitute(readmeBlock('deno'), [['ws://127.0.0.1:8787/ws', ws!], ['hello from Deno', 'hello from the packed package']]));
    const run = await runCommand(deno, ['run', '--allow-net', '--allow-read', '--node-modules-dir=manual', '--no-lock', 'main.ts'], { cwd: dir, env });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.stdout).toBe('e3069283\n');
    expect(run.code).toBe(0);
    await until(() => heard.includes('hello from the packed package'));
  }, 60_000);
});
