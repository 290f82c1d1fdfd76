// swarmwire/lite's optional wasm core (dist/swarmwire-lite.wasm: CRC-32C alone, unshared memory): init() loads it
// next to the bundle on Node, checksums agree with the full SDK's everywhere around the 128-byte crossover and
// across the 64 KiB scratch area, and a checksummed conversation with a full-SDK server carries large frames.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connect, crc32c, init, wrap } from 'swarmwire/lite';
import { SessionHost, crc32c as fullCrc32c, expose, listenWebSocket } from 'swarmwire';

describe('lite init() and CRC-32C', () => {
  it('JavaScript before init(): known answers', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('init() loads the CRC-only module; wasm and the full SDK agree on every length', async () => {
    const module = await init();
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['crc32c', 'crc32cInit', 'heapBase', 'memory', 'tablesAt']);
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(await init()).toBe(module); // once
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    for (const n of [127, 128, 129, 1024, 65_535, 65_536, 65_537, 200_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(crc32c(data), `${n} bytes`).toBe(fullCrc32c(data));
    }
    fc.assert(fc.property(fc.uint8Array({ minLength: 100, maxLength: 5000 }), (data) => crc32c(data) === fullCrc32c(data)), { numRuns: 200 });
  });

  it('after init(), large checksummed frames cross to a full-SDK server and back', async () => {
    await init();
    const host = new SessionHost({ checksum: true });
    host.onSession((session) => expose({ echo: (s: string) => s }, session, { name: 'e' }));
    const server = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
    try {
      const conn = await connect(server.url, { WebSocket: WebSocket as never, checksum: true });
      const text = 'swarmwire '.repeat(20_000);
      expect(await wrap<{ echo(s: string): string }>(conn, { name: 'e' }).echo(text)).toBe(text);
      conn.close();
    } finally {
      host.close();
      await server.close();
    }
  });
});
