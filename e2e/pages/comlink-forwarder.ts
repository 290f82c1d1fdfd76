// Runs in a Web Worker (classic script, after dist/swarmwire.global.js): joins the ring links the page opens, two by
// two, so a session between two endpoints in the page runs over two real shared-memory rings and this second thread.
import { acceptWorker } from 'swarmwire';
import { joinInPairs } from '../../test/fixtures/join-pairs.js';

void acceptWorker(joinInPairs());
