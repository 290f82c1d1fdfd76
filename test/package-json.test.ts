// package.json says where each entry's declarations are twice: in "exports" (NodeNext, Bundler) and in
// "typesVersions" (Node10, which reads no "exports"). They must name the same files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  types: string;
  exports: Record<string, string | { types?: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};

describe('package.json', () => {
  it('gives Node10 resolution every subpath export\'s declarations, and the root\'s through "types"', () => {
    const fromExports = Object.fromEntries(
      Object.entries(pkg.exports)
        .filter(([path, target]) => path !== '.' && typeof target === 'object' && target.types !== undefined)
        .map(([path, target]) => [path.slice(2), [(target as { types: string }).types]]),
    );
    expect(pkg.typesVersions).toEqual({ '*': fromExports });
    expect((pkg.exports['.'] as { types: string }).types).toBe(pkg.types);
  });
});
