// What the Redis bridge keeps in Redis, and the scripts that change it — one place, so the names and the rules that
// docs/protocol.md describes are written once. Everything about one node shares the hash tag {<prefix>:<node>}, so it
// lives in one hash slot: one script can touch it all, and on a Cluster it all lives on one shard with the node's
// sharded channel.
//   {P:N}:s        the node's stream: acked Routed frames for it, entry id "<seq>-0", field `e` = the stored envelope
//   {P:N}:n        the last seq given out (the first one is the time in ms × 1,000, so a stream lost with its Redis
//                  starts above every position a node has seen)
//   {P:N}:c        cursor: every seq at or below it was acked by the node (and trimmed from the stream)
//   {P:N}:b        bytes of the envelopes in the stream (kept by ENQUEUE and COMMIT; bounds what one node can hold)
//   {P:N}:at       lease: the id of the relay serving the node; expires graceMs after that relay stops renewing it
//   {P:N}:o:<id>.<tag>  the last WINDOW request ids of origin <id>'s session <tag> (Hello.session) that entered the
//                  stream (a sender's repeats are dropped; a new session of the same node counts from 1 under another)
//   {P:N}:ch       channel: best-effort frames for the node, and a notice of each stream entry (SPUBLISH on a cluster)
//   P:broadcast    channel: broadcasts;  P:relays  channel: relay heartbeats;  P:relay:<id>  a live relay's key
import { luaScript } from './redis-client.js';

export const keysOf = (prefix: string, node: string) => {
  const tag = `{${prefix}:${node}}`;
  return {
    stream: `${tag}:s`, seq: `${tag}:n`, cursor: `${tag}:c`, lease: `${tag}:at`, channel: channelOf(prefix, node), bytes: `${tag}:b`,
    origin: (origin: string) => `${tag}:o:${origin}`,
  };
};
/** Node `node`'s channel alone (keysOf builds every key: a best-effort frame needs only this one). */
export const channelOf = (prefix: string, node: string): string => `{${prefix}:${node}}:ch`;
export type NodeKeys = ReturnType<typeof keysOf>;

/** Request ids remembered per (node, origin): a repeat older than the last WINDOW that entered is dropped too. */
export const WINDOW = 128;

/** What enqueue() answered besides a seq. */
export const NO_NODE = -1;
export const STREAM_FULL = -2;
/** The frame the same origin sent the same node before this one has not entered yet: send this one again after it. */
export const AHEAD = -3;
export const REPEAT = 0;

/**
 * Appends an envelope to a node's stream and tells the node's channel — if the node is anywhere (its lease), if the
 * stream has room, if the origin did not send this request id before (a sender sends its unacked frames again
 * through another relay when the first one died before its Ack got out), and if the origin's frame before it for
 * this node has entered (ARGV[9]).
 * KEYS: stream, seq, lease, origin ids, bytes. ARGV: envelope, origin request id or '', max entries, retainMs,
 * channel, PUBLISH or SPUBLISH, '1' when this relay serves the node itself (its lease may not be written yet), how
 * long the origin's ids are remembered (ms), the request id of the origin's frame for this node that must enter
 * first, or '', max bytes of the envelopes in the stream (a stream is full past either bound).
 * An id below the last WINDOW that entered counts as entered — as a session's duplicate filter counts one below its
 * window as a repeat — unless it is more than 65,536 below (the session filter's own span). A sender that starts
 * counting again (a restart with the same identity) does so under a new session tag, whose ids have a key of their own.
 * Why ARGV[9]: a relay sends many frames before the first reply is in, and Redis can refuse the first ones and take
 * later ones (LOADING ends, another relay loads the script meanwhile). Checked here, in the one place that orders
 * entries, a later frame cannot overtake an earlier one of the same origin, whatever the relay got back when. The
 * relay names the frame before only while it holds it unsettled (src/relay/redis-outbox.ts): one refused for good
 * (a full stream, holdMs) is not waited for.
 * A repeat is recognised before the node's lease is looked at: its first copy is in the stream, waiting for the node
 * wherever it is, so its sender gets its Ack — not "no node" for a frame the node will get (a sender whose relay died
 * before the Ack got out sends it again through another relay, perhaps while the node is between relays).
 * Returns the seq, or REPEAT, NO_NODE, STREAM_FULL, AHEAD.
 */
export const ENQUEUE = luaScript(`
local function entered(member)
  if redis.call('ZSCORE', KEYS[4], member) then return true end
  if redis.call('ZCARD', KEYS[4]) < ${WINDOW} then return false end
  local id = tonumber(member)
  local low = tonumber(redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')[2])
  return id < low and id >= low - 65536
end
local origin = tonumber(ARGV[2])
if origin and entered(ARGV[2]) then return ${REPEAT} end
if ARGV[7] ~= '1' and redis.call('EXISTS', KEYS[3]) == 0 then return ${NO_NODE} end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[3]) then return ${STREAM_FULL} end
if tonumber(redis.call('GET', KEYS[5]) or '0') + #ARGV[1] > tonumber(ARGV[10]) then return ${STREAM_FULL} end
if tonumber(ARGV[9]) and not entered(ARGV[9]) then return ${AHEAD} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], string.format('%.0f', (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) * 1000))
end
local seq = string.format('%.0f', redis.call('INCR', KEYS[2]))
redis.call('XADD', KEYS[1], seq .. '-0', 'e', ARGV[1])
redis.call('INCRBY', KEYS[5], #ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[5], ARGV[4])
if origin then
  redis.call('ZADD', KEYS[4], origin, ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -${WINDOW + 1})
  redis.call('PEXPIRE', KEYS[4], ARGV[8])
end
redis.call(ARGV[6], ARGV[5], seq .. ' ' .. ARGV[1])
return tonumber(seq)
`);

/**
 * Moves a node's cursor forward to ARGV[1] (never back) and trims what it passed from the stream, taking the
 * trimmed envelopes' bytes off the stream's count (never below 0: a relay of an older version did not add them).
 * KEYS: cursor, stream, bytes. ARGV: seq, retainMs.
 */
export const COMMIT = luaScript(`
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > at then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  local gone = 0
  for _, entry in ipairs(redis.call('XRANGE', KEYS[2], '-', string.format('%.0f', tonumber(ARGV[1])) .. '-0')) do
    gone = gone + #entry[2][2]
  end
  redis.call('XTRIM', KEYS[2], 'MINID', string.format('%.0f', tonumber(ARGV[1]) + 1))
  if gone > 0 and redis.call('DECRBY', KEYS[3], gone) <= 0 then redis.call('DEL', KEYS[3]) end
end
return 1
`);

/** Deletes a node's lease if this relay (ARGV[1]) still holds it. KEYS: lease. */
export const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * A message on a node's channel: a stream notice is "<seq> <envelope>" (an ASCII digit first), anything else a
 * best-effort frame (src/relay/redis-message.ts). Undefined for a notice that does not parse.
 */
export function readNotice(message: Buffer): { seq: number; entry: Uint8Array } | undefined {
  const space = message.indexOf(0x20);
  if (space < 1 || space > 17) return undefined;
  const seq = Number(message.toString('latin1', 0, space));
  return Number.isSafeInteger(seq) && seq > 0 ? { seq, entry: message.subarray(space + 1) } : undefined;
}

/** Whether a node-channel message is a stream notice (it starts with an ASCII digit). */
export const isNotice = (message: Buffer): boolean => message.length > 0 && message[0]! >= 0x30 && message[0]! <= 0x39;

/** The seq of a stream entry id "<seq>-0". */
export const seqOf = (id: Buffer | string): number => Number(String(id).split('-')[0]);
