// Types of scripts/inline-constants.mjs, for test/inline-constants.test.ts.
import type { Plugin } from 'esbuild';

/** A table's module (from the repository root, without extension) and its members. */
export interface Table {
  module: string;
  members: Readonly<Record<string, number | string>>;
}
export function inlineConstants(root: string, tables: Readonly<Record<string, readonly string[]>>): Promise<Plugin>;
export function loadTables(root: string, tables: Readonly<Record<string, readonly string[]>>): Promise<Map<string, Table>>;
export function inlineSource(text: string, path: string, root: string, known: ReadonlyMap<string, Table>): string;
export const LITE_TABLES: Readonly<Record<string, readonly string[]>>;
