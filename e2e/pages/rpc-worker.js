// The RPC e2e worker: the script-tag build, then the agent (bundled from rpc-worker-agent.ts).
importScripts('../dist/swarmwire.global.js', '../gen/rpc-worker-agent.global.js');
