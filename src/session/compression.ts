// deflate-raw through the platform's CompressionStream (browsers, Deno, Node ≥ 20, workerd): no dependency, and
// native speed. Inflating stops as soon as the output passes the limit, so a small bomb cannot fill memory.
import { SwarmwireError, WireErrorCode, wireError } from '../wire/errors.js';
import { concat } from '../core/concat.js';

async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw wireError(WireErrorCode.TOO_LARGE, `compressed payload inflates past the limit of ${limit} bytes`);
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0]! : concat(parts, size);
}

function through(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): ReadableStream<Uint8Array> {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform) as ReadableStream<Uint8Array>;
}

/** deflate-raw of `bytes`. */
export function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  return collect(through(bytes, new CompressionStream('deflate-raw')), Infinity);
}

/** The inflated bytes; WireError TOO_LARGE past `limit`, BAD_PAYLOAD when they are not deflate-raw. */
export async function inflateRaw(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  try {
    return await collect(through(bytes, new DecompressionStream('deflate-raw')), limit);
  } catch (error) {
    // Only our own errors pass through: zlib's carry a `code` too (Z_DATA_ERROR), but no wire status.
    if (error instanceof SwarmwireError) throw error;
    throw wireError(WireErrorCode.BAD_PAYLOAD, `payload flagged COMPRESSED is not deflate-raw: ${(error as Error).message}`, error);
  }
}
