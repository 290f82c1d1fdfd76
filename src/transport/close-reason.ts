// Close reasons have a byte limit (WebSocket 123, WebTransport 1024 UTF-8 bytes); both transports cut theirs here.

const encoder = /* @__PURE__ */ new TextEncoder();

/** `text` cut to at most `maxBytes` UTF-8 bytes, at a character boundary. */
export function clipUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || encoder.encode(text).byteLength <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = encoder.encode(ch).byteLength;
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
