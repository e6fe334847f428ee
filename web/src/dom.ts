// Small DOM helpers: elements from a tag, attributes and children, and keyed
// lists that keep their nodes (and so the focus and what is typed in them)
// across live updates.

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    } else if (k === 'class') {
      el.className = String(v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function $(sel: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`no element ${sel}`);
  return el as HTMLElement;
}

/**
 * Makes `container`'s children the rendered `items`, in order. A node is kept
 * as long as its item's key and signature are unchanged, and is not moved
 * when it is already in place.
 */
export class KeyedList<T> {
  private nodes = new Map<string, { sig: string; el: HTMLElement }>();
  constructor(
    private readonly container: HTMLElement,
    private readonly key: (t: T) => string,
    private readonly sig: (t: T) => string,
    private readonly render: (t: T, old: HTMLElement | null) => HTMLElement,
  ) {}

  update(items: T[]): void {
    const next = new Map<string, { sig: string; el: HTMLElement }>();
    for (const it of items) {
      const k = this.key(it), s = this.sig(it);
      const old = this.nodes.get(k);
      if (old && old.sig === s) {
        next.set(k, old);
      } else {
        const el = this.render(it, old?.el ?? null);
        el.dataset.key = k;
        if (old && old.el !== el) old.el.replaceWith(el);
        next.set(k, { sig: s, el });
      }
    }
    for (const [k, v] of this.nodes) if (!next.has(k)) v.el.remove();
    let cursor: ChildNode | null = this.container.firstChild;
    for (const it of items) {
      const el = next.get(this.key(it))!.el;
      if (cursor === el) {
        cursor = el.nextSibling;
      } else {
        this.container.insertBefore(el, cursor);
      }
    }
    // Anything else (an "empty" note) goes.
    const managed = new Set([...next.values()].map((v) => v.el));
    for (const child of [...this.container.children]) if (!managed.has(child as HTMLElement)) child.remove();
    this.nodes = next;
  }

  get(key: string): HTMLElement | undefined {
    return this.nodes.get(key)?.el;
  }
}

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
