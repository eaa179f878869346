/** Tiny element builder: text is always set as text (never HTML), so messages cannot inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | boolean | ((ev: Event) => void)>> = {},
  ...children: (Node | string | false | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else if (typeof v === 'string') el.setAttribute(k, v);
  }
  for (const c of children) if (c !== false && c !== undefined) el.append(c);
  return el;
}

/**
 * Re-renders `container` without losing the keyboard focus: the focused element inside it is
 * found again afterwards by its `data-focus` key. Without this, a message arriving while someone
 * tabs through the roster would throw their focus back to the page.
 */
export function keepFocus(container: HTMLElement, render: () => void): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && container.contains(active) ? active.dataset.focus : undefined;
  render();
  if (key !== undefined) (container.querySelector(`[data-focus="${CSS.escape(key)}"]`) as HTMLElement | null)?.focus();
}
