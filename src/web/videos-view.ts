import { isClientError, LIBRARY_SORTS, libraryView, type LibrarySort, type SealcastClient } from '../client/index.js';
import { h, keepFocus } from './dom.js';
import { VideoPlayer, type Rung, type SubtitleSource } from './video-player.js';

/** A title as the server lists it (protocol VideoTitle). */
interface Title {
  name: string;
  durationMs: number;
  renditions: Rung[];
  state: string;
  progress: number;
  error: string;
  addedAt: bigint;
  posterPath: string;
  thumbnailsPath: string;
  subtitles: SubtitleSource[];
  positionMs: number;
  watched: boolean;
}

/** How often the list refreshes while something transcodes. */
const POLL_MS = 2000;
/**
 * How often it refreshes otherwise, while shown: files added to the server's directory (or still
 * being written when the list was first read) appear without anyone pressing Refresh.
 */
const IDLE_POLL_MS = 5000;
const SORT_LABELS: Record<LibrarySort, string> = { title: 'Title', added: 'Date added', duration: 'Duration' };

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

/** Where a title resumes for this user (ms), 0 when it starts from the beginning. */
function resumeAt(t: Title): number {
  return t.watched ? 0 : t.positionMs;
}

/**
 * The library (posters, durations, renditions, transcoding progress, where you are in each;
 * searchable and sortable; refreshed while anything transcodes) and the player. Lives beside the
 * chat, which stays usable while watching.
 */
export class VideosView {
  readonly element: HTMLElement;
  readonly player: VideoPlayer;
  private readonly list: HTMLElement;
  private readonly message: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly sort: HTMLSelectElement;
  private titles: Title[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private loading: Promise<void> | undefined;

  constructor(private readonly client: () => SealcastClient | undefined, preferHlsJs: boolean) {
    this.player = new VideoPlayer({ preferHlsJs, onClose: () => this.render(), onState: () => this.render() });
    this.list = h('ul', { id: 'library', 'aria-label': 'Videos' });
    this.message = h('p', { id: 'library-message', role: 'status' });
    this.search = h('input', { id: 'library-search', type: 'search', placeholder: 'Search', 'aria-label': 'Search videos', oninput: () => this.render() });
    this.sort = h('select', { id: 'library-sort', 'aria-label': 'Sort by', onchange: () => this.render() },
      ...LIBRARY_SORTS.map((s) => h('option', { value: s }, SORT_LABELS[s])));
    this.element = h('section', { id: 'videos', 'aria-label': 'Videos' },
      this.player.element,
      h('div', { class: 'library-head' }, h('h2', {}, 'Videos'),
        h('button', { type: 'button', id: 'refresh-videos', onclick: () => void this.refresh(true) }, 'Refresh')),
      h('div', { class: 'library-tools' }, this.search, h('label', {}, 'Sort ', this.sort)),
      this.message,
      this.list,
    );
  }

  /** The view is shown: list the library now and keep it fresh (quickly while titles transcode). */
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

  /**
   * Fetches the list (one request at a time) and schedules the next while anything is still
   * transcoding. `rescan` (the Refresh button) asks the server to read its directory again first.
   */
  refresh(rescan = false): Promise<void> {
    this.loading ??= this.fetch(rescan).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(rescan: boolean): Promise<void> {
    clearTimeout(this.timer);
    const client = this.client();
    if (!client?.isConnected) {
      this.message.textContent = 'Not connected: the list appears once the server is reachable.';
      this.schedule();
      return;
    }
    try {
      this.titles = (await client.listVideos({ rescan })) as Title[];
      this.message.textContent = this.titles.length ? '' : 'The library is empty: put video files in the server\'s videos folder.';
    } catch (e) {
      const noLibrary = isClientError(e, 'NOT_READY');
      this.message.textContent = noLibrary ? 'This server has no video library.' : `Cannot list the videos: ${e instanceof Error ? e.message : String(e)}`;
      this.render();
      if (!noLibrary) this.schedule(IDLE_POLL_MS);
      return;
    }
    this.render();
    this.schedule(this.titles.some((t) => t.state === 'queued' || t.state === 'transcoding') ? POLL_MS : IDLE_POLL_MS);
  }

  private schedule(ms = POLL_MS): void {
    clearTimeout(this.timer);
    if (this.visible) this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private render(): void {
    const shown = libraryView(this.titles, { sort: this.sort.value as LibrarySort, search: this.search.value });
    if (this.titles.length > 0 && shown.length === 0) this.message.textContent = `No video matches "${this.search.value.trim()}".`;
    else if (this.titles.length > 0) this.message.textContent = '';
    keepFocus(this.list, () => this.list.replaceChildren(...shown.map((t) => this.row(t))));
  }

  private row(t: Title): HTMLElement {
    const state = t.state === 'transcoding'
      ? h('span', { class: 'state' }, h('progress', { max: '100', value: String(t.progress), 'aria-label': `transcoding ${t.name}` }), ` transcoding ${t.progress}%`)
      : t.state === 'failed'
        ? h('span', { class: 'state error' }, `failed: ${t.error || 'unknown error'}`)
        : h('span', { class: 'state' }, t.state === 'queued' ? 'waiting to transcode' : 'ready');
    const current = this.player.title === t.name;
    const ended = current && this.player.ended;
    const resume = resumeAt(t);
    const label = current ? (ended ? '▶ Play again' : '▶ playing') : resume > 0 ? `▶ Resume ${formatDuration(resume)}` : '▶ Play';
    const watch = ended ? 'ended' : t.watched ? '✓ watched' : resume > 0 ? `stopped at ${formatDuration(resume)}` : '';
    return h('li', { 'data-title': t.name, 'data-state': t.state, 'data-watched': String(t.watched), class: ended ? 'ended' : current ? 'playing' : '' },
      t.posterPath
        ? h('img', { class: 'poster', src: t.posterPath, alt: '', loading: 'lazy', width: '96', height: '54' })
        : h('span', { class: 'poster none', 'aria-hidden': 'true' }),
      h('button', {
        type: 'button', class: 'play', 'data-play': t.name, 'data-focus': `play:${t.name}`, disabled: !playable(t), 'aria-label': `${label.slice(2)} ${t.name}`,
        onclick: () => void this.play(t, ended),
      }, label),
      resume > 0 && !current
        ? h('button', { type: 'button', class: 'restart', 'data-restart': t.name, 'data-focus': `restart:${t.name}`, disabled: !playable(t), onclick: () => void this.play(t, true) }, 'Start over')
        : undefined,
      h('span', { class: 'name' }, t.name),
      h('span', { class: 'duration' }, t.durationMs > 0 ? formatDuration(t.durationMs) : '–:––'),
      h('span', { class: 'rungs' }, t.renditions.map((r) => `${r.height}p`).join(' · ')),
      state,
      watch ? h('span', { class: 'watch' }, watch) : undefined,
    );
  }

  private async play(t: Title, fromStart: boolean): Promise<void> {
    const client = this.client();
    if (!client) return;
    await this.player.open({
      title: t.name,
      renditions: t.renditions,
      token: () => client.hlsToken(t.name),
      startMs: fromStart ? 0 : resumeAt(t),
      ...(t.posterPath ? { posterPath: t.posterPath } : {}),
      ...(t.thumbnailsPath ? { thumbnailsPath: t.thumbnailsPath } : {}),
      subtitles: t.subtitles,
      onProgress: (positionMs, finished) => {
        // What the server now holds, so the row is right without asking again.
        t.watched = finished;
        t.positionMs = finished ? 0 : positionMs;
        this.client()?.saveWatchProgress(t.name, positionMs, finished);
      },
    });
    this.render();
    this.player.video.focus();
  }
}
