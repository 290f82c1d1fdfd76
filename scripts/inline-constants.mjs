// An esbuild plugin that writes the wire's numbers and codes in where they are used, as TypeScript's const enums
// would: `MessageType.Ping` becomes `17`, `RpcErrorCode.BUSY` becomes "SW_ERR_RPC_BUSY", `Object.values(MessageType)`
// the array of its values. The tables themselves stay what they are, plain objects in the public API (an enum would
// add reverse mappings to `Object.keys(Status)`), and stay in a bundle wherever code still uses them as objects.
// Bundlers cannot do this themselves: `MessageType.Ping` is a property read of an imported object, which they must
// keep. It cost swarmwire/lite ~1 KB gzipped (each read an object's property name, written out, and the objects).
//
// The values are the modules' own (the tables are built by esbuild and imported, not parsed), and only member reads
// of the named tables are replaced, found in each file's syntax tree (TypeScript's parser): never text in strings or
// comments, never a type position, never a local name that shadows an import. A write to a table member, or a member
// the table lacks, fails the build.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * The plugin. `tables` maps a module (from the repository root, `src/wire/constants.ts`) to the names of the tables
 * it exports; their members must be numbers or strings.
 */
export async function inlineConstants(root, tables) {
  const known = await loadTables(root, tables);
  const pattern = new RegExp(`\\b(${[...known.keys()].join('|')})\\.`);
  return {
    name: 'inline-constants',
    setup(b) {
      b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!pattern.test(text)) return undefined;
        return { contents: inlineSource(text, args.path, root, known), loader: 'ts' };
      });
    },
  };
}

/** The tables' values, as the modules build them: table name → { module (from the root, no extension), members }. */
export async function loadTables(root, tables) {
  const entries = Object.entries(tables);
  const contents = entries.map(([file, names]) => `export { ${names.join(', ')} } from './${file}';`).join('\n');
  const out = await build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, write: false, format: 'esm', platform: 'neutral', external: ['node:*', 'ws', '@redis/client'], logLevel: 'error' });
  const values = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].contents).toString('base64')}`);
  const known = new Map();
  for (const [file, names] of entries) {
    for (const name of names) {
      const members = values[name];
      if (!members || !Object.values(members).every((v) => typeof v === 'number' || typeof v === 'string')) throw new Error(`inline-constants: ${name} in ${file} is not a table of numbers and strings`);
      known.set(name, { module: file.replace(/\.ts$/, ''), members });
    }
  }
  return known;
}

/** `text` (the file at `path`) with each read of a known table's member written as its value. */
export function inlineSource(text, path, root, known) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const here = path.slice(root.length).replace(/\.ts$/, '');
  // The tables this file names: imported under their own name from their module, or its own.
  const bound = new Set();
  const declared = new Map(); // every other binding of a known name in the file, which would shadow the table
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
      const from = resolveImport(here, statement.moduleSpecifier.text);
      for (const element of statement.importClause.namedBindings.elements) {
        const table = known.get(element.name.text);
        if (table && !element.isTypeOnly && !element.propertyName && table.module === from) bound.add(element.name.text);
      }
    }
  }
  for (const [name, table] of known) if (table.module === here) bound.add(name);
  const visitDeclarations = (node) => {
    if ((ts.isParameter(node) || ts.isVariableDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isBindingElement(node)) && node.name && ts.isIdentifier(node.name) && bound.has(node.name.text)) {
      const topLevelTable = ts.isVariableDeclaration(node) && node.parent?.parent?.parent === source && known.get(node.name.text)?.module === here;
      if (!topLevelTable) declared.set(node.name.text, node);
    }
    ts.forEachChild(node, visitDeclarations);
  };
  visitDeclarations(source);
  for (const name of declared.keys()) bound.delete(name);
  if (!bound.size) return text;
  const edits = [];
  const visit = (node) => {
    // Object.values(Table): the values in the table's order, as a new array each time (as Object.values makes).
    if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isIdentifier(node.arguments[0]) && bound.has(node.arguments[0].text) && node.expression.getText() === 'Object.values') {
      edits.push([node.getStart(), node.getEnd(), JSON.stringify(Object.values(known.get(node.arguments[0].text).members))]);
      return;
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && bound.has(node.expression.text)) {
      const table = known.get(node.expression.text);
      const member = node.name.text;
      const where = `${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      if (!Object.hasOwn(table.members, member)) throw new Error(`inline-constants: ${node.getText()} is not a member (${where})`);
      const parent = node.parent;
      if ((ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment) || ts.isDeleteExpression(parent) || ((ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken))) {
        throw new Error(`inline-constants: ${node.getText()} is written to (${where})`);
      }
      edits.push([node.getStart(), node.getEnd(), `(${JSON.stringify(table.members[member])})`]);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = text;
  for (const [start, end, value] of edits.reverse()) out = out.slice(0, start) + value + out.slice(end);
  return out;
}

/** A relative import's module from the repository root, without extension ('src/wire/constants'). */
function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return specifier;
  const parts = from.split('/').slice(0, -1);
  for (const part of specifier.replace(/\.js$/, '').split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** The tables swarmwire/lite's browser file inlines: the wire's numbers, the close codes, the error codes. */
export const LITE_TABLES = {
  'src/wire/constants.ts': ['MessageType', 'Feature', 'Status'],
  'src/wire/errors.ts': ['WireErrorCode'],
  'src/transport/codes.ts': ['Priority', 'CloseCode'],
  'src/transport/transport.ts': ['TransportErrorCode'],
  'src/session/core-rules.ts': ['CoreState'],
  'src/session/errors.ts': ['SessionErrorCode'],
  'src/rpc/messages.ts': ['Op', 'ExtType', 'StreamKind'],
  'src/rpc/errors.ts': ['RpcErrorCode'],
};
