// The one place the page tells the owner what is going on, announced to screen readers
// (role=status, aria-live); failures are announced at once (role=alert).
import { byId, h } from './dom';

export type Tone = 'info' | 'progress' | 'success' | 'warning' | 'error';

export function say(tone: Tone, title: string, ...details: (Node | string)[]): void {
  const status = byId('status');
  const notice = h('div', { class: `notice ${tone}`, 'data-state': tone, role: tone === 'error' ? 'alert' : undefined }, h('strong', {}, title));
  for (const detail of details) {
    if (detail !== '') notice.append(typeof detail === 'string' ? h('p', {}, detail) : detail);
  }
  status.replaceChildren(notice);
  // What an action led to (a claim pressed far down the page) must be seen where it is said.
  if (tone !== 'info') {
    const { top, bottom } = status.getBoundingClientRect();
    if (top < 0 || bottom > window.innerHeight) status.scrollIntoView({ block: 'start' });
  }
}

export function progress(title: string, done: number, total: number, step: string): void {
  say(
    'progress',
    title,
    h('progress', { max: String(total), value: String(done), 'aria-label': `${done} of ${total} transactions confirmed` }),
    h('p', {}, step),
  );
}

export function clear(): void {
  byId('status').replaceChildren();
}
