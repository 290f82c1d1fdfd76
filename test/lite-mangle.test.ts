// scripts/lite-mangle.mjs, the property names dist/lite-browser.js shortens: each must be a name no one outside that
// file reads or writes — no MessagePack key on the wire, no member of what lite exports or takes, no member of a
// built-in or platform object. A name that breaks a rule here would break interop, a user's options or a runtime call.
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LITE_MANGLED, LITE_MANGLE_PROPS } from '../scripts/lite-mangle.mjs';

const root = new URL('..', import.meta.url).pathname;
const declares = (text: string, name: string): boolean => new RegExp(`(?<![\\w$.])${name}\\??\\s*[:(<]`).test(text);

describe('lite-mangle: the names dist/lite-browser.js shortens', () => {
  it('the pattern matches exactly the listed names', () => {
    for (const name of LITE_MANGLED) expect(LITE_MANGLE_PROPS.test(name)).toBe(true);
    for (const name of ['requestId', 'payload', 'features', 'moduleHiX', 'xroute']) expect(LITE_MANGLE_PROPS.test(name)).toBe(false);
  });

  it('none is a MessagePack key of the protocol (in backticks in docs/protocol.md)', () => {
    const quoted = readFileSync(`${root}docs/protocol.md`, 'utf8').match(/`[^`]*`/g)!.join(' ');
    expect(LITE_MANGLED.filter((name) => new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(quoted))).toEqual([]);
    expect(quoted).toMatch(/\bttl\b/); // (the check reads the keys: Routed's `{ to, from, ttl, hops, frame }`)
  });

  it('none is a member of a built-in or a platform object (TypeScript lib files, @types/node)', () => {
    const libs = [`${root}node_modules/typescript/lib/`, `${root}node_modules/@types/node/`];
    const text = libs.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts')).map((f) => readFileSync(dir + f, 'utf8'))).join('\n');
    expect(declares(text, 'requestId')).toBe(true); // (a DOM type declares it: why it is not listed)
    expect(LITE_MANGLED.filter((name) => declares(text, name))).toEqual([]);
  });

  it('none is a member of what swarmwire/lite exports or takes (its types, their members, options and results)', () => {
    const program = ts.createProgram([`${root}src/lite/index.ts`], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true });
    const checker = program.getTypeChecker();
    const entry = checker.getSymbolAtLocation(program.getSourceFile(`${root}src/lite/index.ts`)!)!;
    const names = new Set<string>();
    // What the declarations (dist/types, stripInternal) leave out is not the API: #private, private and @internal members.
    const hidden = (d: ts.Declaration): boolean =>
      ((d as ts.NamedDeclaration).name !== undefined && ts.isPrivateIdentifier((d as ts.NamedDeclaration).name!)) ||
      (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Private) !== 0 || ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'internal');
    const seen = new Set<ts.Type>();
    const walk = (type: ts.Type, depth: number): void => {
      if (depth > 4 || seen.has(type)) return;
      seen.add(type);
      if (type.isUnionOrIntersection()) return type.types.forEach((t) => walk(t, depth));
      for (const property of checker.getPropertiesOfType(type)) {
        const declaration = property.valueDeclaration ?? property.declarations?.[0];
        if (declaration && hidden(declaration)) continue;
        names.add(property.name);
        if (declaration && !declaration.getSourceFile().fileName.includes('/typescript/lib/')) walk(checker.getTypeOfSymbolAtLocation(property, declaration), depth + 1);
      }
      for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
        for (const parameter of signature.parameters) walk(checker.getTypeOfSymbol(parameter), depth + 1);
        walk(signature.getReturnType(), depth + 1);
      }
    };
    for (const symbol of checker.getExportsOfModule(entry)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.valueDeclaration ?? target.declarations![0]!;
      walk(checker.getTypeOfSymbolAtLocation(target, declaration), 0);
      if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) walk(checker.getDeclaredTypeOfSymbol(target), 0);
    }
    // The walk reaches the API: options, identities, the connection, errors, what a remote's call returns.
    for (const name of ['heartbeatIntervalMs', 'expectPeer', 'publicKey', 'recoverable', 'maxConcurrent', 'timeoutMs', 'closed']) expect(names).toContain(name);
    expect(LITE_MANGLED.filter((name) => names.has(name))).toEqual([]);
  });
});
