/**
 * Cross-site WebSocket hijacking guard. Browsers always send Origin; a page on another
 * site must not be able to open a socket with the user's session. Clients that are not
 * browsers send no Origin and are allowed (they authenticate with their key anyway).
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowList: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowList.includes(origin)) return true;
  if (!host) return false;
  return origin === `https://${host}`;
}
