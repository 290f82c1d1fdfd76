// Types for attacks/http.mjs, so the Deno relay's vitest file (http-deno.test.ts) type-checks.
export const ODD_REQUESTS: ReadonlyArray<readonly [what: string, bytes: string | Uint8Array]>;
export const LABEL_BREAKERS: readonly string[];
export function metricsProblems(base: string): Promise<string[]>;
export const httpSurface: { readonly title: string; readonly layers: string };
