type Child = Node | string | number | null | undefined | false;

/** Builds an element; text is always set as text, never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | ((event: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

export function table(headers: string[], rows: Child[][], caption?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
      // Each cell carries its column's name: on a narrow screen the row becomes a labelled card.
      h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c, i) => h('td', { 'data-label': headers[i] ?? '' }, c))))),
    ),
  );
}

/** A long hash, shown short but copyable whole. */
export function hashText(value: string | undefined): HTMLElement {
  return h('code', { class: 'hash', title: value ?? '' }, value ?? '');
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(document.documentElement.lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour12: false,
  });
}

export function yuan(fen: number): string {
  return (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * A file chooser labelled in the page's language (the browser's own button speaks the browser's
 * language): the native input stays focusable and keyboard-usable, visually hidden.
 */
export function fileInput(id: string, label: string): { element: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'file', id, class: 'visually-hidden', required: true });
  const name = h(
    'span',
    { class: 'file-name', 'aria-live': 'polite' },
    document.documentElement.lang === 'en' ? 'No file chosen' : '未选择文件',
  );
  input.addEventListener('change', () => {
    name.textContent = input.files?.[0]?.name ?? name.textContent;
  });
  const element = h(
    'div',
    { class: 'file-field' },
    h('span', { class: 'file-label' }, label),
    h('label', { for: id, class: 'button' }, document.documentElement.lang === 'en' ? 'Choose a file' : '选择文件'),
    name,
    input,
  );
  return { element, input };
}
