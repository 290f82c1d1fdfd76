// The shared known answers (test/vectors.ts) for benchmarks that check their subjects before timing them.
// The file is TypeScript without imports: esbuild strips the types and Node imports the result from a data: URL.
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

const source = readFileSync(new URL('../../test/vectors.ts', import.meta.url), 'utf8');
const { code } = transformSync(source, { loader: 'ts', format: 'esm' });

/** test/vectors.ts, as a module. */
export const vectors = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
