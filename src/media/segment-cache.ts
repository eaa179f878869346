import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

interface Entry {
  data: Uint8Array;
  size: number;
  mtimeMs: number;
}

/**
 * Segment files kept in memory up to a byte budget, least recently used dropped first.
 * Many viewers ask for the same few segments; reading each request from disk costs an
 * open, several reads and a close through the thread pool, which measured as 4-5× slower
 * than nginx (bench media-serving). A file whose size or mtime changed is read again.
 */
export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes = Math.min(maxBytes, 16 * 1024 * 1024),
  ) {}

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }

  /** The file's bytes: from memory when unchanged on disk, else read and kept if it fits. */
  async read(file: string): Promise<Uint8Array> {
    const st = statSync(file);
    const hit = this.entries.get(file);
    if (hit) {
      this.entries.delete(file);
      if (hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
        this.entries.set(file, hit); // now the most recently used
        return hit.data;
      }
      this.bytes -= hit.data.byteLength;
    }
    const data = new Uint8Array(await readFile(file));
    if (data.byteLength === st.size && data.byteLength <= this.maxEntryBytes && !this.entries.has(file)) {
      this.entries.set(file, { data, size: st.size, mtimeMs: st.mtimeMs });
      this.bytes += data.byteLength;
      for (const [key, e] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(key);
        this.bytes -= e.data.byteLength;
      }
    }
    return data;
  }
}
