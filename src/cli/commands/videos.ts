import { EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand, toCliError } from '../client-session.js';

export const VIDEOS_HELP = `Usage: sealcast videos URL --name ME [--json]

Lists the server's videos: duration, renditions (height, bitrate) and state
(ready, transcoding N%, queued, failed: reason).
${CLIENT_OPTIONS_HELP}
`;

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(VIDEOS_HELP);
    return EXIT.OK;
  }
  const client = await openSession({ url: positionals[0], name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite });
  try {
    const titles = await client.listVideos();
    for (const t of titles) {
      const renditions = t.renditions.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
      if (values.json) {
        process.stdout.write(JSON.stringify({ name: t.name, durationMs: t.durationMs, state: t.state, progress: t.progress, error: t.error || undefined, renditions }) + '\n');
        continue;
      }
      const state = t.state === 'transcoding' ? `transcoding ${t.progress}%` : t.state === 'failed' ? `failed: ${t.error}` : t.state;
      const rungs = renditions.map((r) => `${r.height}p@${(r.bandwidth / 1e6).toFixed(1)}M`).join(' ');
      process.stdout.write(`${t.name.padEnd(24)} ${clock(t.durationMs).padStart(6)}  ${state.padEnd(16)} ${rungs}\n`);
    }
    if (!values.json && titles.length === 0) process.stdout.write('the library is empty\n');
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
