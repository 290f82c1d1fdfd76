// Code that runs once per frame builds its objects written out field by field, never as `{ ...x, key: v }`: on
// Node 20 (V8 11.3) an object spread followed by more keys takes a slow path, ~2 µs per object against a few ns for
// the literal written out, and two of them on the mesh node's send path made a call between agents ~3× slower
// (docs/architecture.md, "Hot paths"). This test reads the per-frame code and fails on such a literal there.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Files that run per frame throughout. */
const HOT_FILES = [
  'src/wire/frame.ts', 'src/wire/framer.ts', 'src/wire/header.ts', 'src/wire/routed.ts', 'src/wire/msgpack/encode.ts',
  'src/wire/msgpack/decode.ts', 'src/session/core.ts', 'src/session/core-rules.ts', 'src/session/batcher.ts',
  'src/session/replay-window.ts', 'src/session/inbox.ts', 'src/rpc/channel.ts', 'src/rpc/dispatch.ts', 'src/rpc/codec.ts',
  'src/mesh/router.ts', 'src/edge/durable-peer.ts', 'src/transport/websocket.ts', 'src/transport/ring.ts',
  'src/transport/memory.ts', 'src/transport/postmessage.ts', 'src/transport/queue.ts', 'src/relay/redis-message.ts',
];

/** Per-frame methods of files that also hold set-up code (constructors, options, stats), where a spread is fine. */
const HOT_METHODS: Record<string, string[]> = {
  'src/session/session.ts': ['send', '#dispatch', '#onMessage', '#deferFrame', 'deliver'],
  'src/mesh/node.ts': ['send', '#sendOn', '#onFrame', '#dispatch', '#onRouted'],
  'src/relay/relay.ts': ['#received', '#handle', '#route', '#fanOut', 'deliverRouted', '#forward', '#send'],
  'src/rpc/connection.ts': ['#onFrame'],
};

const root = new URL('../', import.meta.url);

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(new URL(file, root), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** `file:line` of every object literal under `node` with a spread followed by more properties. */
function spreadsThenKeys(sf: ts.SourceFile, node: ts.Node): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n)) {
      const spread = n.properties.findIndex(ts.isSpreadAssignment);
      if (spread >= 0 && spread < n.properties.length - 1) found.push(`${sf.fileName}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The bodies of the methods (or functions, or object-literal methods) named `names` in `sf`. */
function methods(sf: ts.SourceFile, names: string[]): Map<string, ts.Node[]> {
  const out = new Map<string, ts.Node[]>(names.map((n) => [n, []]));
  const visit = (n: ts.Node): void => {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) && n.name && n.body) out.get(n.name.getText(sf))?.push(n.body);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('hot paths build objects without spreads (docs/architecture.md, "Hot paths")', () => {
  it.each(HOT_FILES)('%s', (file) => {
    const sf = parse(file);
    expect(spreadsThenKeys(sf, sf)).toEqual([]);
  });

  it.each(Object.entries(HOT_METHODS))('%s: per-frame methods', (file, names) => {
    const sf = parse(file);
    for (const [name, bodies] of methods(sf, names)) {
      expect(bodies.length, `${file}: no method ${name} (renamed? update HOT_METHODS)`).toBeGreaterThan(0);
      for (const body of bodies) expect(spreadsThenKeys(sf, body), `${file} ${name}`).toEqual([]);
    }
  });

  it('finds the pattern it is there to find', () => {
    const sf = ts.createSourceFile('x.ts', 'function f(a) { return { ...a, b: 1 }; }\nconst g = (a) => ({ b: 1, ...a });', ts.ScriptTarget.Latest, true);
    expect(spreadsThenKeys(sf, sf)).toEqual(['x.ts:1']);
  });
});
