// How a node loads an agent module named by URL (LoadModule) when its owner gave no importModule: the runtime's own
// import(). In a file of its own so that builds for runtimes that cannot import by URL (workerd refuses a module
// graph with an import() of a computed specifier) swap it for a stand-in (scripts/build.mjs).
export const importByUrl = (url: string): Promise<Readonly<Record<string, unknown>>> => import(/* @vite-ignore */ url) as Promise<Readonly<Record<string, unknown>>>;
