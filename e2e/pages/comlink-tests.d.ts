// Comlink's test files, imported as text (`with { type: 'text' }`, which esbuild supports): the harness reads their source.
declare module 'comlink/tests/*' {
  const source: string;
  export default source;
}
