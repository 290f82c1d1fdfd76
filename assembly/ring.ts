// Single-producer single-consumer ring of variable-length records in shared memory (docs/architecture.md has the
// layout). wasm does the index math, the record headers and the in-place frame checks; JavaScript copies payload
// bytes in (they live in JS buffers wasm cannot read) and does all waiting. Like the rest of the core: no
// allocation, no writes to static data, no throw — every function returns a count or a status code.
//
// Indices are free-running u32 byte counters (position = index & (capacity - 1)), so head - tail is the bytes in use
// even across the 2^32 wrap. A record is [u32 length][u32 tag][bytes, padded to 8]. A record never straddles the end:
// when it does not fit before the end, the producer writes a SKIP length there and starts the record at 0. Records
// are at most capacity / 2 bytes, which guarantees that one always fits once the ring has drained.
import { crc32c } from './crc32c';
import { HEADER_SIZE, FEATURE_CHECKSUM, OK, INVALID_FRAME, CHECKSUM_MISMATCH, headerCheck } from './header';

// Offsets inside a ring region. head and tail sit on their own 64-byte lines so the two threads never share one.
const HEAD: usize = 0;      // u32, published by the producer (atomic store)
const RESERVED: usize = 4;  // u32, the producer's private cursor: reserved but not yet published
const TAIL: usize = 64;     // u32, published by the consumer (atomic store)
const CAPACITY: usize = 128; // u32, bytes of data, a power of two
/** Bytes before the data: three cache lines. */
export const RING_HEADER: u32 = 192;

const SKIP: u32 = 0xffffffff;
/**
 * A drain stops after capacity >> DRAIN_SHIFT bytes (but returns at least one record when any is published), so the
 * consumer gives room back in steps while it checks the rest: releasing a whole ring at once would leave the
 * producer blocked until every frame in it had been checked, and the threads would take turns.
 */
const DRAIN_SHIFT: u32 = 3;
/** Record tags: what the consumer checks. */
export const TAG_RAW: u32 = 0x52415752;    // "RAWR": bytes, delivered as they are
export const TAG_FRAMES: u32 = 0x464d5253; // "FRMS": one or more whole frames back to back, each checked
/** Set on a length passed to ringReserve to ask for TAG_FRAMES. */
const FRAMES_BIT: u32 = 0x80000000;

// @ts-ignore: decorator
@inline function pad8(n: u32): u32 {
  return (n + 7) & ~7;
}

/** Prepares an empty ring at `ring` with `capacity` data bytes (a power of two, at least 64). Returns a status. */
export function ringInit(ring: usize, capacity: u32): i32 {
  if (capacity < 64 || (capacity & (capacity - 1)) != 0) return INVALID_FRAME;
  store<u32>(ring + CAPACITY, capacity);
  store<u32>(ring + RESERVED, 0);
  atomic.store<u32>(ring + TAIL, 0);
  atomic.store<u32>(ring + HEAD, 0);
  return OK;
}

/** The largest record payload the ring accepts. */
export function ringMaxRecord(ring: usize): u32 {
  return (load<u32>(ring + CAPACITY) >> 1) - 8;
}

/**
 * Reserves room for one record of `len` bytes (FRAMES_BIT set: tagged as frames) and writes its header. Returns
 * the address to copy the payload to, or 0 when the ring has no room now. Nothing is visible to the consumer until
 * ringCommit().
 */
export function ringReserveOne(ring: usize, len: u32): usize {
  const cap = load<u32>(ring + CAPACITY);
  const bytes = len & ~FRAMES_BIT;
  const need = pad8(bytes + 8);
  if (bytes > (cap >> 1) - 8) return 0;
  let at = load<u32>(ring + RESERVED);
  const free = cap - (at - atomic.load<u32>(ring + TAIL));
  const pos = at & (cap - 1);
  const before = cap - pos;
  const data = ring + RING_HEADER;
  if (need > before) {
    if (before + need > free) return 0;
    store<u32>(data + pos, SKIP);
    at += before;
    store<u32>(data, bytes);
    store<u32>(data + 4, len & FRAMES_BIT ? TAG_FRAMES : TAG_RAW);
    store<u32>(ring + RESERVED, at + need);
    return data + 8;
  }
  if (need > free) return 0;
  store<u32>(data + pos, bytes);
  store<u32>(data + pos + 4, len & FRAMES_BIT ? TAG_FRAMES : TAG_RAW);
  store<u32>(ring + RESERVED, at + need);
  return data + pos + 8;
}

/**
 * Reserves records for `count` lengths (u32 each at `lens`, FRAMES_BIT as in ringReserveOne), in order, stopping at
 * the first that does not fit. Writes each record's payload address to the u32 slots at `out`. Returns how many
 * were reserved.
 */
export function ringReserve(ring: usize, lens: usize, count: u32, out: usize): u32 {
  for (let i: u32 = 0; i < count; i++) {
    const at = ringReserveOne(ring, load<u32>(lens + (<usize>i << 2)));
    if (at == 0) return i;
    store<u32>(out + (<usize>i << 2), <u32>at);
  }
  return count;
}

/** Publishes every reserved record to the consumer with one atomic store. Returns the bytes in use. */
export function ringCommit(ring: usize): u32 {
  const at = load<u32>(ring + RESERVED);
  atomic.store<u32>(ring + HEAD, at);
  return at - atomic.load<u32>(ring + TAIL);
}

/** Bytes in use (published and not yet released). */
export function ringUsed(ring: usize): u32 {
  return atomic.load<u32>(ring + HEAD) - atomic.load<u32>(ring + TAIL);
}

/** Checks the frames of a FRAMES record in place: whole frames back to back, CRC when flagged. */
function checkFrames(p: usize, len: u32, maxPayload: u32): i32 {
  let left = len;
  while (left > 0) {
    if (left < HEADER_SIZE) return INVALID_FRAME;
    const status = headerCheck(p, maxPayload);
    if (status != OK) return status;
    const features = <u32>bswap<u16>(load<u16>(p, 6));
    const body = HEADER_SIZE + bswap<u32>(load<u32>(p, 28));
    const size = body + (features & FEATURE_CHECKSUM ? 4 : 0);
    if (size > left) return INVALID_FRAME;
    if (features & FEATURE_CHECKSUM) {
      if (crc32c(0, p, body) != bswap<u32>(load<u32>(p + body))) return CHECKSUM_MISMATCH;
    }
    p += size;
    left -= size;
  }
  return OK;
}

/**
 * Reads up to `max` published records without releasing them, checking each in place. Writes to `out`:
 * u32 status (OK, or the problem with the record after the last one returned), u32 the tail to release once the
 * returned records are used, then (address, length) u32 pairs. Returns how many records it wrote. A bad record
 * (a length or tag that cannot be, a frame that fails its check) stops the walk; the caller closes the channel.
 */
export function ringDrain(ring: usize, out: usize, max: u32, maxPayload: u32): u32 {
  const cap = load<u32>(ring + CAPACITY);
  const mask = cap - 1;
  const data = ring + RING_HEADER;
  const head = atomic.load<u32>(ring + HEAD);
  let tail = load<u32>(ring + TAIL);
  const start = tail;
  const budget = cap >> DRAIN_SHIFT;
  let n: u32 = 0;
  let status = OK;
  while (n < max && tail != head && (n == 0 || tail - start < budget)) {
    const pos = tail & mask;
    const len = load<u32>(data + pos);
    if (len == SKIP) {
      tail += cap - pos;
      continue;
    }
    const need = pad8(len + 8);
    if (len > (cap >> 1) - 8 || need > head - tail || need > cap - pos) {
      status = INVALID_FRAME;
      break;
    }
    const tag = load<u32>(data + pos + 4);
    if (tag == TAG_FRAMES) {
      status = checkFrames(data + pos + 8, len, maxPayload);
      if (status != OK) break;
    } else if (tag != TAG_RAW) {
      status = INVALID_FRAME;
      break;
    }
    const slot = out + 8 + (<usize>n << 3);
    store<u32>(slot, <u32>(data + pos + 8));
    store<u32>(slot, len, 4);
    tail += need;
    n++;
  }
  store<u32>(out, <u32>status);
  store<u32>(out, tail, 4);
  return n;
}

/** Gives the bytes before `tail` back to the producer (one atomic store). Returns the bytes still in use. */
export function ringRelease(ring: usize, tail: u32): u32 {
  atomic.store<u32>(ring + TAIL, tail);
  return atomic.load<u32>(ring + HEAD) - tail;
}
