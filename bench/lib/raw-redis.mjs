// The floor under the Redis bridge's cost: PUBLISH and SUBSCRIBE over a bare socket, with no client library in the
// way. Only what the relays bench needs: commands out, and a callback per message on a subscribed connection (the
// replies of a publishing connection are read and dropped).
import { connect } from 'node:net';

const command = (...args) => {
  const parts = args.map((a) => (typeof a === 'string' ? Buffer.from(a) : Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  return Buffer.concat([Buffer.from(`*${parts.length}\r\n`), ...parts.flatMap((p) => [Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n')])]);
};

/** A connection to the redis-server at `url` (redis://host:port). */
export function rawRedis(url) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  const conn = {
    /** Called once per pub/sub message arriving on a subscribed connection. */
    onMessage: () => {},
    publish: (channel, payload) => socket.write(command('PUBLISH', channel, payload)),
    subscribe: (channel) => new Promise((resolve) => {
      socket.write(command('SUBSCRIBE', channel));
      // The first reply is the subscription's confirmation; each later `*3` push is a message.
      // A marker split across two chunks is found in the kept tail of the first.
      const MARK = '*3\r\n$7\r\nmessage';
      let confirmed = false, tail = '';
      socket.on('data', (chunk) => {
        if (!confirmed) { confirmed = true; resolve(); return; }
        const text = tail + chunk.toString('latin1');
        for (let i = 0; i < text.split(MARK).length - 1; i++) conn.onMessage();
        tail = text.slice(-(MARK.length - 1));
      });
    }),
    close: () => socket.destroy(),
  };
  return new Promise((resolve, reject) => socket.once('connect', () => resolve(conn)).once('error', reject));
}
