import { isClientError, type SealcastClient } from '../client/index.js';
import { h, keepFocus } from './dom.js';
import { VideoPlayer, type Rung } from './video-player.js';

/** A title as the server lists it (protocol VideoTitle). */
interface Title {
  name: string;
  durationMs: number;
  renditions: Rung[];
  state: string;
  progress: number;
  error: string;
}

/** How often the list refreshes while something transcodes. */
const POLL_MS = 2000;

/** "1:05", "1:02:03". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function playable(t: Title): boolean {
  return t.state === 'ready' || (t.state === 'transcoding' && t.progress > 0);
}

/**
 * The library (durations, renditions, transcoding progress, refreshed while anything
 * transcodes) and the player. Lives beside the chat, which stays usable while watching.
 */
export class VideosView {
  readonly element: HTMLElement;
  readonly player: VideoPlayer;
  private readonly list: HTMLElement;
  private readonly message: HTMLElement;
  private titles: Title[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private loading: Promise<void> | undefined;

  constructor(private readonly client: () => SealcastClient | undefined, preferHlsJs: boolean) {
    this.player = new VideoPlayer({ preferHlsJs, onClose: () => this.render() });
    this.list = h('ul', { id: 'library', 'aria-label': 'Videos' });
    this.message = h('p', { id: 'library-message', role: 'status' });
    this.element = h('section', { id: 'videos', 'aria-label': 'Videos' },
      this.player.element,
      h('div', { class: 'library-head' }, h('h2', {}, 'Videos'),
        h('button', { type: 'button', id: 'refresh-videos', onclick: () => void this.refresh() }, 'Refresh')),
      this.message,
      this.list,
    );
  }

  /** The view is shown: list the library now and keep it fresh while titles transcode. */
  show(): void {
    this.visible = true;
    void this.refresh();
  }

  /** After a reconnect: the list may have changed while we were away. */
  refreshIfShown(): void {
    if (this.visible) void this.refresh();
  }

  /** The view is hidden: stop polling and pause the film. */
  hide(): void {
    this.visible = false;
    clearTimeout(this.timer);
    this.player.pause();
  }

  /** Fetches the list (one request at a time) and schedules the next while anything is still transcoding. */
  refresh(): Promise<void> {
    this.loading ??= this.fetch().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(): Promise<void> {
    clearTimeout(this.timer);
    const client = this.client();
    if (!client?.isConnected) {
      this.message.textContent = 'Not connected: the list appears once the server is reachable.';
      this.schedule();
      return;
    }
    try {
      this.titles = (await client.listVideos()) as Title[];
      this.message.textContent = this.titles.length ? '' : 'The library is empty: put video files in the server\'s videos folder.';
    } catch (e) {
      this.message.textContent = isClientError(e, 'NOT_READY') ? 'This server has no video library.' : `Cannot list the videos: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.render();
    if (this.titles.some((t) => t.state === 'queued' || t.state === 'transcoding')) this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.visible) this.timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  private render(): void {
    keepFocus(this.list, () => this.list.replaceChildren(...this.titles.map((t) => {
      const state = t.state === 'transcoding'
        ? h('span', { class: 'state' }, h('progress', { max: '100', value: String(t.progress), 'aria-label': `transcoding ${t.name}` }), ` transcoding ${t.progress}%`)
        : t.state === 'failed'
          ? h('span', { class: 'state error' }, `failed: ${t.error || 'unknown error'}`)
          : h('span', { class: 'state' }, t.state === 'queued' ? 'waiting to transcode' : 'ready');
      const playing = this.player.title === t.name;
      return h('li', { 'data-title': t.name, 'data-state': t.state, class: playing ? 'playing' : '' },
        h('button', {
          type: 'button', class: 'play', 'data-play': t.name, 'data-focus': `play:${t.name}`, disabled: !playable(t), 'aria-label': `Play ${t.name}`,
          onclick: () => void this.play(t),
        }, playing ? '▶ playing' : '▶ Play'),
        h('span', { class: 'name' }, t.name),
        h('span', { class: 'duration' }, t.durationMs > 0 ? formatDuration(t.durationMs) : '–:––'),
        h('span', { class: 'rungs' }, t.renditions.map((r) => `${r.height}p`).join(' · ')),
        state,
      );
    })));
  }

  private async play(t: Title): Promise<void> {
    const client = this.client();
    if (!client) return;
    await this.player.open({ title: t.name, renditions: t.renditions, token: () => client.hlsToken(t.name) });
    this.render();
    this.player.video.focus();
  }
}
