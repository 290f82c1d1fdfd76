// Where the shipped worker entry is, for swarms on Node: dist/worker.js, beside the module this is bundled into.
// The script-tag builds replace this file (an IIFE has no import.meta); pages name the entry's URL themselves.

/** The URL of the shipped worker entry next to this module. */
export function shippedWorkerEntry(): URL {
  return new URL('./worker.js', import.meta.url);
}
