// The adversarial suite: every attack, the harness that runs one against a fresh relay, and the two scales.
// The vitest files here run each attack at SHORT scale (npm test); run.mjs runs them all at LONG scale and prints
// the table (npm run attack).
import { extensionBombs, collectionDepth, hugeBigint } from './attacks/bombs.mjs';
import { takeover, replay, sessionProbe } from './attacks/identity.mjs';
import { originSpoof } from './attacks/origin.mjs';
import { hugeFirstMessages, silentAndSlow } from './attacks/pre-handshake.mjs';
import { slowReaders, neverAcks, agentBurst, broadcastBurst } from './attacks/slow-peers.mjs';
import { rpcSurface } from './attacks/surface.mjs';
import { crossLayerFuzz } from './attacks/fuzz.mjs';
import { httpSurface } from './attacks/http.mjs';
import { migrationAndControl } from './attacks/migration.mjs';
import { topicHoard } from './attacks/subscriptions.mjs';
import { requestIdsPast2p53, replayWindowJumps } from './attacks/request-ids.mjs';
import { peerInfoFlood } from './attacks/peer-info.mjs';
import { addressHoard, broadcastFlood } from './attacks/places.mjs';

export { runAttack, formatRow, failures, TABLE_HEADER } from './harness/arena.mjs';
export { SHORT, longScale } from './harness/scale.mjs';

/** Every attack, in the order of the table. */
export const ATTACKS = {
  extensionBombs, collectionDepth, hugeBigint,
  takeover, replay, sessionProbe,
  originSpoof,
  hugeFirstMessages, silentAndSlow,
  slowReaders, neverAcks, agentBurst, broadcastBurst,
  rpcSurface,
  crossLayerFuzz,
  httpSurface, migrationAndControl,
  topicHoard,
  requestIdsPast2p53, replayWindowJumps,
  peerInfoFlood,
  addressHoard, broadcastFlood,
};
