// The wire checks every e2e page runs, against `swarmwire` as that page loaded it (ESM via an import map, or the
// script-tag global). It only measures and reports; the test asserts in Node against test/vectors.ts. Everything
// reported is plain JSON: bigints travel as decimal strings.
import { type Frame, SwarmwireError, WireError, init } from 'swarmwire';
import { FrameReader, crc32c, decodeFrame, encodeFrame, fnv1a32, fnv1a64 } from 'swarmwire/wire';
import { BAD_FRAME_VECTORS, CRC32C_VECTORS, FNV_VECTORS, FRAME_VECTORS, fromHex, toHex } from '../../test/vectors.js';
import { testBytes } from '../test-bytes.js';

/** Size of the buffer that exercises the wasm CRC path: many SCRATCH_SIZE pieces, far above WASM_MIN_BYTES. */
export const BIG_CRC_BYTES = 1 << 20;

export interface FrameFields {
  version: number;
  type: number;
  features: number;
  requestId: string;
  moduleId: string;
  methodHash: number;
  payloadLength: number;
  payloadHex: string;
}

export interface WireReport {
  env: {
    crossOriginIsolated: boolean;
    /** typeof SharedArrayBuffer: "function" only when cross-origin isolated. */
    sharedArrayBuffer: string;
    /** Object.prototype.toString of the core's memory buffer. */
    memoryBuffer: string;
    /** Whether `swarmwire` is also a global of the page. */
    globalSwarmwire: boolean;
  };
  bigCrc: {
    bytes: number;
    /** Before init(): the JavaScript path. */
    beforeInit: number;
    /** After init(): the wasm path. */
    afterInit: number;
    /** crc32c(second half, crc32c(first half)) after init(). */
    chained: number;
    /** Of the buffer minus its first and last byte (a view at an odd offset). */
    unaligned: number;
  };
  crc: { name: string; crc: number }[];
  fnv: { input: string; fnv32: number; fnv64: string }[];
  frames: (FrameFields & { name: string; reencodedHex: string })[];
  badFrames: {
    name: string;
    threw: boolean;
    isWireError: boolean;
    isSwarmwireError: boolean;
    errorName: string;
    code: string;
    status: number;
    message: string;
  }[];
  reader: {
    name: string;
    bytes: number;
    /** How many bytes had been pushed when read() first returned a frame (0: never). */
    frameAfter: number;
    frame: FrameFields | undefined;
    /** read() after the frame, and the bytes left buffered. */
    readAfter: string;
    bufferedAfter: number;
  }[];
}

function fieldsOf(frame: Frame): FrameFields {
  return {
    version: frame.version,
    type: frame.type,
    features: frame.features,
    requestId: frame.requestId.toString(),
    moduleId: frame.moduleId.toString(),
    methodHash: frame.methodHash,
    payloadLength: frame.payloadLength,
    payloadHex: toHex(frame.payload),
  };
}

/** Runs every check; calls init() partway (after the JavaScript-path CRC). */
export async function runWireChecks(): Promise<WireReport> {
  const big = testBytes(BIG_CRC_BYTES);
  const beforeInit = crc32c(big);
  const { memory } = await init();
  const half = BIG_CRC_BYTES / 2;
  return {
    env: {
      crossOriginIsolated: globalThis.crossOriginIsolated,
      sharedArrayBuffer: typeof SharedArrayBuffer,
      memoryBuffer: Object.prototype.toString.call(memory.buffer),
      globalSwarmwire: 'swarmwire' in globalThis,
    },
    bigCrc: {
      bytes: big.length,
      beforeInit,
      afterInit: crc32c(big),
      chained: crc32c(big.subarray(half), crc32c(big.subarray(0, half))),
      unaligned: crc32c(big.subarray(1, big.length - 1)),
    },
    crc: CRC32C_VECTORS.map((v) => ({ name: v.name, crc: crc32c(fromHex(v.hex)) })),
    fnv: FNV_VECTORS.map((v) => ({ input: v.input, fnv32: fnv1a32(v.input), fnv64: fnv1a64(v.input).toString() })),
    frames: FRAME_VECTORS.map((v) => {
      const frame = decodeFrame(fromHex(v.hex));
      const reencoded = encodeFrame({
        type: frame.type,
        features: frame.features,
        requestId: frame.requestId,
        moduleId: frame.moduleId,
        methodHash: frame.methodHash,
        payload: frame.payload,
      });
      return { name: v.name, ...fieldsOf(frame), reencodedHex: toHex(reencoded) };
    }),
    badFrames: BAD_FRAME_VECTORS.map((v) => {
      try {
        decodeFrame(fromHex(v.hex));
        return { name: v.name, threw: false, isWireError: false, isSwarmwireError: false, errorName: '', code: '', status: -1, message: '' };
      } catch (error) {
        const e = error as Partial<WireError>;
        return {
          name: v.name,
          threw: true,
          isWireError: error instanceof WireError,
          isSwarmwireError: error instanceof SwarmwireError,
          errorName: String(e.name),
          code: String(e.code),
          status: Number(e.status),
          message: String(e.message),
        };
      }
    }),
    reader: FRAME_VECTORS.map((v) => {
      const bytes = fromHex(v.hex);
      const reader = new FrameReader();
      let frameAfter = 0;
      let frame: Frame | undefined;
      for (let i = 0; i < bytes.length && frame === undefined; i++) {
        reader.push(bytes.slice(i, i + 1)); // a fresh one-byte chunk each time, as a trickling stream delivers
        frame = reader.read();
        if (frame !== undefined) frameAfter = i + 1;
      }
      const next = reader.read();
      return {
        name: v.name,
        bytes: bytes.length,
        frameAfter,
        frame: frame && fieldsOf(frame),
        readAfter: next === undefined ? 'undefined' : 'a frame',
        bufferedAfter: reader.buffered,
      };
    }),
  };
}
