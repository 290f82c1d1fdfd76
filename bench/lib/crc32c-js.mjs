// src/wire/crc32c.ts as a module of its own: crc32cJs (the JavaScript path) is not exported by the package, so the
// bench bundles the source file with esbuild and imports the result.
import { build } from 'esbuild';

const { outputFiles } = await build({
  entryPoints: [new URL('../../src/wire/crc32c.ts', import.meta.url).pathname],
  bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2022', external: ['node:*'], logLevel: 'warning',
});

/** { crc32cJs, crc32c, WASM_MIN_BYTES } of src/wire/crc32c.ts. */
export const crcModule = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].contents).toString('base64')}`);
