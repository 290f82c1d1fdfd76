// Joining byte chunks: batches of frames, chunked states, inflated streams and stream writes all need it, from the
// transports up, so it lives at the bottom layer.

/** `parts` in one new buffer of `size` bytes (their total). @internal */
export function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
