import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * At most `max` HTTP responses in progress at once (0: no cap); more are answered 503 with Retry-After and the
 * connection closed. Each response in progress may hold file streams and buffers until its reader
 * takes them (300 unread HLS segments held +69 MiB), so their number is bounded like connections are.
 */
export function limitResponses(max: number, onRefused: () => void, handler: Handler): Handler {
  let active = 0;
  return (req, res) => {
    if (max > 0 && active >= max) {
      onRefused();
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1', Connection: 'close', 'Cache-Control': 'no-store' });
      res.end('server busy: too many responses in progress; retry shortly\n');
      return;
    }
    active++;
    res.once('close', () => active--);
    handler(req, res);
  };
}
