// The ring forwarder of the Comlink suite page: the script-tag build, then the forwarder (bundled from comlink-forwarder.ts).
importScripts('../dist/swarmwire.global.js', '../gen/comlink-forwarder.global.js');
