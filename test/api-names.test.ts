// The public API as the README promises it (issue 15): the root entry is documented name by name in README's "The
// API, name by name", and lite's names mean what the full SDK's mean. Read from the source with the TypeScript
// compiler, so a name added to an entry without its line in the README, or a lite type that drifts from the full
// SDK's under the same name, fails here.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const entries = { root: 'src/index.ts', wire: 'src/wire/index.ts', lite: 'src/lite/index.ts' } as const;
const program = ts.createProgram(Object.values(entries).map((f) => root + f), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true });
const checker = program.getTypeChecker();

interface Exported {
  /** Where the name is declared (file:position), following re-exports. */
  where: string;
  value: boolean;
}
function exportsOf(file: string): Map<string, Exported> {
  const module = checker.getSymbolAtLocation(program.getSourceFile(root + file)!)!;
  const out = new Map<string, Exported>();
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declaration = target.declarations![0]!;
    out.set(symbol.name, {
      where: `${declaration.getSourceFile().fileName.slice(root.length)}:${declaration.pos}`,
      value: (target.flags & ts.SymbolFlags.Value) !== 0,
    });
  }
  return out;
}
const api = { root: exportsOf(entries.root), wire: exportsOf(entries.wire), lite: exportsOf(entries.lite) };

/** The names in backticks of the README section's table, by column. */
function readmeNames(): { values: Set<string>; types: Set<string> } {
  const text = readFileSync(root + 'README.md', 'utf8');
  const section = text.slice(text.indexOf('## The API, name by name'), text.indexOf('\n## ', text.indexOf('## The API, name by name') + 5));
  const values = new Set<string>(), types = new Set<string>();
  for (const row of section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| layer'))) {
    const [, , valueCell = '', typeCell = ''] = row.split('|');
    // Only the leading name of each item: `connect` (a URL: `ws:`…) lists `connect`, not `ws:`.
    for (const item of valueCell.split(/,(?![^(]*\))/)) for (const m of item.trim().matchAll(/^(?:and |their codes )?`(\w+)`/g)) values.add(m[1]!);
    for (const m of typeCell.matchAll(/`(\w+)`/g)) types.add(m[1]!);
  }
  return { values, types };
}

describe('the root entry', () => {
  it('is the README section, name by name: every value and type there, and nothing else', () => {
    const { values, types } = readmeNames();
    const exported = [...api.root];
    expect([...values].sort()).toEqual(exported.filter(([, e]) => e.value).map(([n]) => n).sort());
    expect([...types].sort()).toEqual(exported.filter(([, e]) => !e.value).map(([n]) => n).sort());
  });

  it('holds what the README teaches and leaves internals out', async () => {
    const values = Object.keys(await import('swarmwire')).sort();
    expect(values).toEqual([...api.root].filter(([, e]) => e.value).map(([n]) => n).sort());
    expect(values.length).toBeGreaterThanOrEqual(40);
    // A root a reader can hold in mind: the issue-15 reorganisation left 51 values, issues 16 and 18 added swarms,
    // Comlink's finalizer and transfer handlers, and tracing. Growing past this bound is a decision, not a drift.
    expect(values.length).toBeLessThanOrEqual(64);
    for (const internal of ['Router', 'bounce', 'parseDiscovery', 'compareLoad', 'MAX_KNOWN_PEERS', 'acceptHandshake', 'InitiatorHandshake', 'HANDSHAKE_MAX_PAYLOAD', 'Op'])
      expect(values).not.toContain(internal);
  }, 60_000); // the first import of the whole source tree is transformed on the spot
});

describe('lite', () => {
  // Functions lite implements anew for its connection, with the same role and call shape as the full SDK's.
  const sameRole = ['connect', 'wrap', 'expose', 'withOptions', 'pack', 'unpack'];

  it('exports under the full SDK\'s names only what is the full SDK\'s own declaration', () => {
    const shared = [...api.lite].filter(([name]) => (api.root.has(name) || api.wire.has(name)) && !sameRole.includes(name));
    expect(shared.length).toBeGreaterThan(10);
    for (const [name, e] of shared) expect(`${name} ${e.where}`).toBe(`${name} ${(api.root.get(name) ?? api.wire.get(name))!.where}`);
  });

  it('names its narrower types Lite…', () => {
    const own = [...api.lite].filter(([name, e]) => !e.value && !api.root.has(name) && !api.wire.has(name)).map(([n]) => n);
    expect(own.filter((n) => !n.startsWith('Lite') && n !== 'UnpackOptions')).toEqual([]);
    expect(own).toEqual(expect.arrayContaining(['LiteConnectOptions', 'LiteRemote', 'LiteWrapOptions', 'LiteExposeOptions']));
  });
});
