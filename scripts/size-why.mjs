// npm run size:why -- '{ encodeFrame }': what each source file adds to a bundle that imports those names from
// swarmwire (esbuild metafile, minified sizes before gzip), to find what the size budget pays for.
import { analyzeMetafile, build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const names = process.argv[2] ?? '{ init, encodeFrame, decodeFrame, decodeBody, connectWebSocket, connectSession, expose, wrap }';
const from = process.argv[3] ?? './dist/browser.js';
const root = new URL('..', import.meta.url).pathname;
const result = await build({
  stdin: { contents: `export ${names} from '${from}';`, resolveDir: root, loader: 'js' },
  bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'error',
  external: ['ws', 'node:*'],
});
const out = result.outputFiles[0].contents;
console.log(`${names}: ${out.length} B minified, ${gzipSync(out).length} B gzipped`);
console.log(await analyzeMetafile(result.metafile));
