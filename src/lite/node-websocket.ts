// The WebSocket class where the runtime has none (Node 20): the `ws` package, a dependency of swarmwire, loaded on
// first use. Its own file so that the browser build (dist/lite-browser.js) can put a stub in its place: browsers and
// Web Workers all have WebSocket, and `ws` there would only bring the Node-only stand-in along.
import type { WebSocketConstructor } from '../transport/websocket.js';

/** `ws`'s WebSocket class. */
export async function nodeWebSocket(): Promise<WebSocketConstructor> {
  const ws = await import('ws');
  return (ws.WebSocket ?? ws.default) as unknown as WebSocketConstructor;
}
