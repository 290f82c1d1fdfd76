// A TypeDoc plugin (typedoc.json loads it): the reference's modules are named as users import them —
// "swarmwire/lite", not TypeDoc's "lite" from the file path — without an @module tag in every entry file.
import { Converter } from 'typedoc';

/** Entry file (as TypeDoc names it from its path) → the import specifier in package.json's exports. */
const NAMES = {
  index: 'swarmwire',
  wire: 'swarmwire/wire',
  transport: 'swarmwire/transport',
  node: 'swarmwire/node',
  deno: 'swarmwire/deno',
  'edge/workers': 'swarmwire/workers',
  lite: 'swarmwire/lite',
};

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      const name = NAMES[module.name];
      if (name === undefined) throw new Error(`typedoc-modules: no import name for the entry "${module.name}"; add it to NAMES`);
      module.name = name;
    }
  });
}
