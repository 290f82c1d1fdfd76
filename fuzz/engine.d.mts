// Types for the plain-JavaScript fuzz engine (fuzz/engine.mjs), so test/fuzz.test.ts type-checks.
export interface FuzzFinding {
  target: string;
  hex: string;
  message: string;
}
export interface FuzzStats {
  target: string;
  seed: number;
  inputs: number;
  generated: number;
  mutated: number;
  findings: FuzzFinding[];
  slowestMs: number;
  /** Inputs that were slow once and timed again (GC pauses, a busy machine). */
  retimed: number;
  seconds: number;
  rate: number;
}
export const TARGET_NAMES: string[];
export function prng(seed: number): () => number;
export function fromHex(hex: string): Uint8Array;
/** One to a dozen random mutations of `input` (bit flips, interesting integers, splices with `pool`, cuts); a new array. */
export function mutate(input: Uint8Array, rand: () => number, pool: Uint8Array[]): Uint8Array;
export function fuzzTarget(target: string, options: { iterations: number; seed?: number; slowMs?: number; maxFindings?: number; onProgress?: (stats: FuzzStats) => void }): Promise<FuzzStats>;
export function replay(target: string, hex: string, seed?: number): Promise<void>;
export function extHex(type: number, data: string): string;
