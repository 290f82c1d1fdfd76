// Node ids: 16 bytes on the wire, 32 lowercase hex digits in maps, logs and APIs.

/** A node id (or any bytes) as lowercase hex digits. */
export function idHex(id: Uint8Array): string {
  let out = '';
  for (let i = 0; i < id.length; i++) out += (id[i]! < 16 ? '0' : '') + id[i]!.toString(16);
  return out;
}
