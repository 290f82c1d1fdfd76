// Deno entry (bundled by e2e/rpc.e2e.test.ts, run with --unstable-net): the RPC e2e agent served over WebTransport
// on a fresh self-signed certificate. Prints { port, hash } once listening, then { cancelled } per cancelled call.
import { SessionHost, expose } from 'swarmwire';
import { generateCertificate } from 'swarmwire/transport';
import { listenWebTransport } from 'swarmwire/deno';
import { makeAgent } from '../rpc-agent.js';

const certificate = await generateCertificate({ hosts: ['localhost', '127.0.0.1'] });
const host = new SessionHost({ heartbeatIntervalMs: 0 });
host.onSession((session) => expose(makeAgent((cancelled) => console.log(JSON.stringify({ cancelled }))), session, { name: 'agent' }));
const listener = listenWebTransport((transport) => void host.accept(transport).catch(() => {}), { cert: certificate.cert, key: certificate.key, port: 0 });
const hash = Array.from(certificate.hash, (b) => b.toString(16).padStart(2, '0')).join('');
console.log(JSON.stringify({ port: listener.port, hash }));
