/** A Buffer over the same bytes (pg sends Buffers as BYTEA), without a copy. */
export function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A plain Uint8Array copy of a BYTEA column, or undefined for NULL. */
export function u8(b: Buffer | null): Uint8Array | undefined {
  return b ? new Uint8Array(b) : undefined;
}
