// Types for the plain-JavaScript soak (soak/soak.mjs), so test/soak.test.ts type-checks.
export interface SoakRow {
  t: number; rssMiB: number; heapMiB: number; peers: number; sent: number; received: number; p50: number; p99: number; max: number; slowDropped: number;
}
export interface SoakReport {
  peers: number; slowConsumers: number; seconds: number; rate: number;
  sent: number; received: number; lost: number; duplicates: number; sendErrors: number; sendErrorCodes: Record<string, number>;
  p50: number; p99: number; max: number;
  rssWarmMiB: number; rssEndMiB: number; rssMaxMiB: number;
  slowDropped: number; relayPeersAtEnd: number; rows: SoakRow[];
}
export function runSoak(options?: Partial<{ peers: number; seconds: number; rate: number; slow: number; sampleEvery: number; log: (line: string) => void }>): Promise<SoakReport>;
