import { init, ringPair, encodeFrame, Feature, MessageType, crc32c } from 'swarmwire';
await init();
const [a, b] = ringPair({ laneBytes: 1 << 22 });
await new Promise((r) => setTimeout(r, 10));
for (const size of [64, 4096]) {
  const f = encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, payload: new Uint8Array(size - 36) });
  let got = 0;
  const off = b.on('message', () => got++);
  const N = size === 64 ? 200000 : 50000;
  for (let round = 0; round < 3; round++) {
    got = 0;
    const t0 = performance.now();
    let sent = 0;
    while (sent < N) {
      for (let k = 0; k < 256 && sent < N; k++, sent++) a.send(f);
      await new Promise((r) => setImmediate(r));
    }
    while (got < N) await new Promise((r) => setImmediate(r));
    const ms = performance.now() - t0;
    console.log(size, (ms * 1e6 / N).toFixed(0), 'ns/frame both sides');
  }
  off();
}
const big = new Uint8Array(1 << 20);
let t0 = performance.now(); for (let i = 0; i < 200; i++) crc32c(big); console.log('crc GB/s', (200 * 2 ** 20 / (performance.now() - t0) / 1e6).toFixed(2));
a.close();
