// A relay on Cloudflare Workers: one Durable Object per room, so every peer of a room meets in the same object.
// It uses WebSocket hibernation: an idle room leaves memory while its peers stay connected.
//   npx wrangler dev                 (wrangler.toml beside this file), then:
//   node ../node-relay/client.mjs 'ws://127.0.0.1:8787/ws?room=lobby'
// 'swarmwire/workers' (rather than 'swarmwire', which wrangler also maps to the same file through the `workerd`
// condition) so that TypeScript sees the Workers build's types too.
import { SwarmwireRelay } from 'swarmwire/workers';

export { SwarmwireRelay };

interface Env {
  RELAY: DurableObjectNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/ws') return new Response('connect a swarmwire session to /ws?room=<name>', { status: 404 });
    const room = url.searchParams.get('room') ?? 'lobby';
    return env.RELAY.get(env.RELAY.idFromName(room)).fetch(request);
  },
};
