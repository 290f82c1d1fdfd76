// Types of scripts/lite-mangle.mjs, for test/lite-mangle.test.ts.
export const LITE_MANGLED: readonly string[];
export const LITE_MANGLE_PROPS: RegExp;
