import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientFrame } from '../protocol/index.js';
import type { ClientConnection } from './client-connection.js';

/** The video half of the server, behind one small interface so messaging runs without it. */
export interface VideoHandler {
  /** Socket frames: list, play, credit, seek, stop, HLS token. */
  handle(conn: ClientConnection, req: number, body: ClientFrame['body']): Promise<void>;
  /** HTTP requests under /hls/; returns false when the path is not its own. */
  serveHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  disconnected(conn: ClientConnection): void;
  close(): Promise<void>;
}
