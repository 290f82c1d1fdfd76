// Attack 8: the relay's HTTP side (/metrics, /healthz, the upgrade path) from raw sockets. Expected: every odd
// request answered or closed with the relay alive, HTTP slowloris cut by the request deadline, /metrics parseable.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: the HTTP side', () => {
  it('odd request lines, huge headers, pipelines, scrape floods, slowloris and label injection leave the relay alive and /metrics parseable', () => expectHeld('httpSurface'), ATTACK_TIMEOUT_MS);
});
