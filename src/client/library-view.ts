/** The fields a library view orders and filters by (a protocol VideoTitle has them all). */
export interface ViewableTitle {
  name: string;
  durationMs: number;
  addedAt?: bigint;
}

/** How a library view is ordered. */
export const LIBRARY_SORTS = ['title', 'added', 'duration'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];

/**
 * The library as people browse it, the same in the web app and `sealcast videos`: the titles whose
 * name contains `search` (any case), ordered by title (A→Z, numbers in numeric order), date added
 * (newest first) or duration (longest first); ties go by title.
 */
export function libraryView<T extends ViewableTitle>(titles: readonly T[], opts: { sort?: LibrarySort; search?: string } = {}): T[] {
  const q = (opts.search ?? '').trim().toLowerCase();
  const byName = (a: T, b: T) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true });
  const order: Record<LibrarySort, (a: T, b: T) => number> = {
    title: byName,
    added: (a, b) => Number((b.addedAt ?? 0n) - (a.addedAt ?? 0n)) || byName(a, b),
    duration: (a, b) => b.durationMs - a.durationMs || byName(a, b),
  };
  return titles.filter((t) => !q || t.name.toLowerCase().includes(q)).sort(order[opts.sort ?? 'title']);
}
