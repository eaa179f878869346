/** Exit codes every subcommand uses; scripts can switch on them. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CERT_CHANGED: 3,
  KEY_CHANGED: 4,
  LOGIN_REFUSED: 5,
  /** The server could not be reached (DNS, refused, TLS or WebSocket handshake failure). */
  UNREACHABLE: 6,
} as const;

/** An error the CLI reports in one line with a chosen exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT.FAILED) {
    super(message);
  }
}
