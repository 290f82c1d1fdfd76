// Types for the plain-JavaScript adversarial suite (suite.mjs), so its vitest files type-check.
export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}
export interface Row {
  title: string;
  layers: string;
  tried: number;
  seconds: number;
  alive: boolean;
  /** Honest acked frames missing, duplicated or refused; honest calls unanswered, wrong or failed. */
  lost: { frames: number; calls: number };
  /** Honest call latency, ms: quiet baseline and during the attack. */
  quiet: { p50: number; p99: number };
  attack: { p50: number; p99: number; max: number };
  /** Slowest /healthz answer during the attack (and during the quiet baseline), ms. */
  stallMs: number;
  quietStallMs: number;
  rssGrowthMiB: number;
  checks: Check[];
  notes: string;
}
export interface Scale {
  readonly name: string;
  readonly attackMs: number;
  readonly fuzzInputs: number;
  readonly seed: number;
  readonly strictLatency: boolean;
  readonly [more: string]: unknown;
}
export interface Attack {
  readonly title: string;
  readonly layers: string;
}
export type AttackName = 'extensionBombs' | 'collectionDepth' | 'hugeBigint' | 'takeover' | 'replay' | 'sessionProbe' | 'originSpoof' |
  'hugeFirstMessages' | 'silentAndSlow' | 'slowReaders' | 'neverAcks' | 'agentBurst' | 'broadcastBurst' | 'rpcSurface' | 'crossLayerFuzz' |
  'httpSurface' | 'migrationAndControl' | 'topicHoard' |
  'requestIdsPast2p53' | 'replayWindowJumps' | 'peerInfoFlood' | 'addressHoard' | 'broadcastFlood';
export const ATTACKS: Readonly<Record<AttackName, Attack>>;
export const SHORT: Scale;
export function longScale(env?: Record<string, string | undefined>): Scale;
export function runAttack(attack: Attack, scale: Scale): Promise<Row>;
export function formatRow(row: Row): string;
export function failures(row: Row): string[];
export const TABLE_HEADER: string;
