// Who holds what a server holds per peer, from the two heap snapshots heap-diff.mjs reads: every object in the second
// snapshot that is not in the first (V8 keeps an object's id across snapshots of one process) is charged to its
// owner, the nearest object with a class of its own (Session, WebSocket, Socket…) on its shortest path from the GC
// roots, and grouped by owner, the edge that leads to it from the owner, and its own kind. heap-diff.mjs says what
// grew; this says whose it is. Not used by any suite's figures.
//   node bench/lib/heap-owners.mjs BEFORE.heapsnapshot AFTER.heapsnapshot PEERS [ROWS]
import { readFileSync } from 'node:fs';

/** Classes too general to own anything: an object of one is charged to its own owner. */
const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Uint8Array', 'ArrayBuffer', 'Buffer', 'DataView', 'Uint32Array', 'Error', 'Function']);

const load = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The ids of every node in a snapshot. */
function ids(s) {
  const f = s.snapshot.meta.node_fields;
  const [id, w] = [f.indexOf('id'), f.length];
  const out = new Set();
  for (let i = 0; i < s.nodes.length; i += w) out.add(s.nodes[i + id]);
  return out;
}

const [beforeFile, afterFile, peers, rows] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5] ?? 50)];
const old = ids(load(beforeFile));
const s = load(afterFile);
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const ntypes = s.snapshot.meta.node_types[0];
const etypes = s.snapshot.meta.edge_types[0];
const [NT, NN, NID, NS, NE, NW] = [nf.indexOf('type'), nf.indexOf('name'), nf.indexOf('id'), nf.indexOf('self_size'), nf.indexOf('edge_count'), nf.length];
const [ET, EN, ETO, EW] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node'), ef.length];
const count = s.nodes.length / NW;
const firstEdge = new Uint32Array(count + 1);
for (let n = 0, e = 0; n < count; n++) (firstEdge[n] = e), (e += s.nodes[n * NW + NE] * EW);
firstEdge[count] = s.edges.length;
const kind = (n) => ntypes[s.nodes[n * NW + NT]];
const name = (n) => s.strings[s.nodes[n * NW + NN]];
const label = (n) => {
  const k = kind(n);
  return k.includes('string') ? 'string' : k === 'code' ? '(code)' : k === 'number' ? 'number' : `${k}:${name(n).slice(0, 40)}`;
};
const isOwner = (n) => kind(n) === 'object' && !GENERIC.has(name(n)) && !name(n).startsWith('system /') && /^[A-Za-z_]/.test(name(n));
const edgeName = (e) => {
  const t = etypes[s.edges[e + ET]];
  const v = s.edges[e + EN];
  if (t === 'element' || t === 'hidden') return `[${t}]`;
  // Names that differ per peer (ids as keys, WeakMap entries) would make a group per peer.
  return String(s.strings[v]).replace(/[0-9a-f]{32}/g, '<id>').replace(/^\d+ \/ part of key.*/, '<weak entry>').replace(/^\d+$/, '[n]').slice(0, 30);
};

// Shortest paths from the root, not through weak edges: parent node and the edge that reached each node.
const parent = new Int32Array(count).fill(-1);
const via = new Int32Array(count).fill(-1);
const queue = new Uint32Array(count);
let head = 0;
let tail = 0;
parent[0] = 0;
queue[tail++] = 0;
while (head < tail) {
  const n = queue[head++];
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) {
    if (etypes[s.edges[e + ET]] === 'weak') continue;
    const to = s.edges[e + ETO] / NW;
    if (parent[to] !== -1) continue;
    parent[to] = n;
    via[to] = e;
    queue[tail++] = to;
  }
}

const groups = new Map();
const owners = new Map();
let total = 0;
for (let n = 0; n < count; n++) {
  if (old.has(s.nodes[n * NW + NID]) || kind(n) === 'code') continue;
  const size = s.nodes[n * NW + NS];
  total += size;
  // The owner and the path of edges from it (at most three names).
  const path = [];
  let at = n;
  while (parent[at] !== -1 && at !== 0 && (at === n || !isOwner(at))) {
    path.push(edgeName(via[at]));
    at = parent[at];
  }
  const owner = at === 0 || parent[at] === -1 ? '(root)' : name(at);
  const key = `${owner} .${path.reverse().slice(0, 3).join('.')} ${label(n)}`;
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += size;
  groups.set(key, g);
  owners.set(owner, (owners.get(owner) ?? 0) + size);
}
console.log(`${(total / peers).toFixed(0)} B per peer of new objects (compiled code left out), by owner:`);
for (const [o, size] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(size / peers).toFixed(0).padStart(7)} B  ${o}`);
console.log('\nby owner, path from it, kind:');
for (const [k, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, rows)) {
  console.log(`${(g.size / peers).toFixed(0).padStart(7)} B ${(g.count / peers).toFixed(2).padStart(6)}  ${k}`);
}
