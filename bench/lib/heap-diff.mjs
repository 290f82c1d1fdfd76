// What a server holds per peer, from two heap snapshots of it (scale-connect-probe.mjs with PROBE_HEAP_DIR): the
// self sizes of every object in the second minus the first, grouped by kind and constructor, divided by the peers.
// Compiled code is its own row: it does not grow with the peers. Not used by any suite's figures.
//   node bench/lib/heap-diff.mjs BEFORE.heapsnapshot AFTER.heapsnapshot PEERS [ROWS]
import { readFileSync } from 'node:fs';

/** Self size and count of each group ("kind:constructor") in one snapshot. */
function groups(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [type, name, size, width] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size'), fields.length];
  const out = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = types[snapshot.nodes[i + type]];
    const label = kind.includes('string') ? '(string)' : kind === 'code' ? '(code)' : kind === 'number' ? '(number)' : snapshot.strings[snapshot.nodes[i + name]].slice(0, 60);
    const key = `${kind}:${label}`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += snapshot.nodes[i + size];
    out.set(key, g);
  }
  return out;
}

const [before, after, peers, rows] = [groups(process.argv[2]), groups(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 40)];
const diff = [];
for (const key of new Set([...before.keys(), ...after.keys()])) {
  const a = before.get(key) ?? { count: 0, size: 0 };
  const b = after.get(key) ?? { count: 0, size: 0 };
  diff.push({ key, count: (b.count - a.count) / peers, bytes: (b.size - a.size) / peers });
}
const total = diff.reduce((n, d) => n + d.bytes, 0);
const code = diff.filter((d) => d.key.startsWith('code:')).reduce((n, d) => n + d.bytes, 0);
console.log(`${total.toFixed(0)} B per peer (${(total - code).toFixed(0)} B without compiled code)`);
for (const d of diff.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes)).slice(0, rows)) {
  console.log(`${d.bytes.toFixed(0).padStart(7)} B ${d.count.toFixed(2).padStart(7)} per peer  ${d.key}`);
}
