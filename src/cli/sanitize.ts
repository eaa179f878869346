/**
 * Makes text from the network safe to print on a terminal. Message text is chosen
 * by the sender: raw escape sequences could clear the screen, rewrite earlier
 * lines (forging messages from others), set the window title or, on some
 * terminals, answer back into our input. C0/C1 controls (other than newline and
 * tab), DEL and bidirectional overrides (which can reorder what is shown) become
 * visible placeholders; continuation lines are indented so a message cannot pose
 * as a line of its own.
 */
export function terminalSafe(text: string, indent = '  '): string {
  const cleaned = text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cleaned.split('\n').join(`\n${indent}`);
}
