// Where the shipped worker entry is, for swarms on Node: dist/worker.js, beside the module this is bundled into.
// The script-tag builds replace this file (an IIFE has no import.meta); pages name the entry's URL themselves.

/**
 * The URL of the shipped worker entry next to this module. Run from the source (this repository's unit tests import
 * src/), it is the build's: a worker thread cannot run the TypeScript entry.
 */
export function shippedWorkerEntry(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('/src/mesh/swarm-entry.ts') ? '../../dist/worker.js' : './worker.js', here);
}
