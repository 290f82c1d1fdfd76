// scripts/inline-constants.mjs, which writes the wire's numbers and codes into dist/lite-browser.js where they are
// read (lite's size budget): only reads of the named tables (a member, or Object.values), imported from their own
// module, become values — never text in strings or comments, a type, a local that shadows the import, or a table of
// the same name from elsewhere — and writes or unknown members fail the build. The values are the tables' own.
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { LITE_TABLES, inlineSource, loadTables } from '../scripts/inline-constants.mjs';
import { MessageType, Status } from '../src/wire/constants.js';
import { RpcErrorCode } from '../src/rpc/errors.js';
import { CloseCode } from '../src/transport/codes.js';

const root = new URL('..', import.meta.url).pathname;
const at = `${root}src/session/fixture.ts`; // a file in src/session/: '../wire/constants.js' is the constants module
let known: Awaited<ReturnType<typeof loadTables>>;
beforeAll(async () => {
  known = await loadTables(root, LITE_TABLES);
});

describe('inline-constants', () => {
  it('loads the tables the modules build', () => {
    expect(known.get('MessageType')!.members).toEqual(MessageType);
    expect(known.get('RpcErrorCode')!.members).toEqual(RpcErrorCode);
    expect(known.get('CloseCode')!.members).toEqual(CloseCode);
    expect(known.get('MessageType')!.module).toBe('src/wire/constants');
  });

  it('writes reads as values, and leaves strings, comments and types alone', () => {
    const text = [
      "import { MessageType, Status } from '../wire/constants.js';",
      "import { RpcErrorCode } from '../rpc/errors.js';",
      'const a = MessageType.Ping;',
      "const s = 'MessageType.Ping';",
      'const t = `status ${Status.Timeout}`;',
      '// MessageType.Hello in a comment',
      'let x: typeof MessageType.Ping = 17;',
      'const c = RpcErrorCode.BUSY;',
      'const all = Object.values(Status);',
    ].join('\n');
    expect(inlineSource(text, at, root, known).split('\n').slice(2)).toEqual([
      `const a = (${MessageType.Ping});`,
      "const s = 'MessageType.Ping';",
      `const t = \`status \${(${Status.Timeout})}\`;`,
      '// MessageType.Hello in a comment',
      'let x: typeof MessageType.Ping = 17;',
      `const c = (${JSON.stringify(RpcErrorCode.BUSY)});`,
      `const all = ${JSON.stringify(Object.values(Status))};`,
    ]);
  });

  it('leaves a name alone where it is not the table: shadowed, imported from elsewhere, renamed, or type-only', () => {
    const cases = [
      "import { Status } from '../wire/constants.js';\nfunction f(Status: { Timeout: number }) { return Status.Timeout; }",
      "import { MessageType } from './other.js';\nconst a = MessageType.Ping;",
      "import { MessageType as M } from '../wire/constants.js';\nconst MessageType = { Ping: 1 };\nconst a = MessageType.Ping + M.Ping;",
      "import type { Status } from '../wire/constants.js';\ndeclare const Status: { Timeout: number };\nconst a = Status.Timeout;",
    ];
    for (const text of cases) expect(inlineSource(text, at, root, known)).toBe(text);
  });

  it('fails on a write to a member, and on a member the table lacks', () => {
    const imports = "import { MessageType } from '../wire/constants.js';\n";
    expect(() => inlineSource(`${imports}MessageType.Ping = 3;`, at, root, known)).toThrow(/MessageType\.Ping is written to/);
    expect(() => inlineSource(`${imports}MessageType.Ping++;`, at, root, known)).toThrow(/is written to/);
    expect(() => inlineSource(`${imports}const a = MessageType.Nope;`, at, root, known)).toThrow(/MessageType\.Nope is not a member/);
  });

  it("leaves no read of a table in lite's bundle, nor the tables", async () => {
    const { inlineConstants } = await import('../scripts/inline-constants.mjs');
    const out = await build({
      stdin: { contents: "export { connect, wrap, expose } from './src/lite/index.ts';", resolveDir: root, loader: 'ts' },
      bundle: true, write: false, format: 'esm', platform: 'browser', external: ['ws', 'node:*'], logLevel: 'error',
      plugins: [await inlineConstants(root, LITE_TABLES)],
    });
    const code = out.outputFiles![0]!.text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    const reads = code.match(new RegExp(`\\b(${[...known.keys()].join('|')})\\.\\w+`, 'g')) ?? [];
    expect(reads).toEqual([]);
    expect(code).not.toMatch(/\bvar (MessageType|Status|RpcErrorCode) =/);
    expect(code).toContain(`known[t] = 1`); // the header's table of known types, now from the values written in
  });
});
