/**
 * The request number (`ClientFrame.req`, field 1, varint) of a frame that failed to decode or
 * validate, read from the raw bytes so that its Error reply can still name the request: a client
 * waiting on req 7 would otherwise wait out its full timeout for an answer sent as req 0.
 * Walks top-level fields only; 0 when the bytes do not get as far as a readable field 1.
 */
export function requestNumberOf(bytes: Uint8Array): number {
  let pos = 0;
  let req = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35 && pos < bytes.length; shift += 7) {
      const b = bytes[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const tag = varint();
    if (tag === undefined) return req;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (v === undefined) return req;
      // uint32 semantics, as protobuf-es decodes it; the last occurrence wins.
      if (field === 1) req = v % 2 ** 32;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined) return req;
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return req; // groups or garbage: stop reading
  }
  return req;
}
