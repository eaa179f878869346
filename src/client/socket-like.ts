/**
 * The little the client core needs from a WebSocket, so Node (ws, with certificate
 * pinning) and browsers (the WebSocket API) plug in the same way.
 */
export interface SocketLike {
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued but not yet sent. */
  readonly bufferedAmount: number;
  onMessage(handler: (data: Uint8Array) => void): void;
  onClose(handler: (code: number, reason: string) => void): void;
}

/** Opens a socket to a sealcast URL; `certFingerprint` is the SHA-256 of the server certificate when the platform can see it. */
export type Connector = (url: string) => Promise<{ socket: SocketLike; certFingerprint?: Uint8Array }>;
