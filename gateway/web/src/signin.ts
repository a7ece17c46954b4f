import { session, signIn, signOut, storedTokenExpired, type Session } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

/** The session if its role fits; otherwise renders a sign-in form (a pasted token) and returns undefined. */
export function requireSession(root: HTMLElement, role: 'bidder' | 'regulator', rerender: () => void): Session | undefined {
  const s = t();
  const current = session();
  if (current && current.role === role) return current;
  const input = h('textarea', { id: 'token', rows: '3', spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', {}, h('label', { for: 'token' }, s.tokenLabel), input, h('button', { type: 'submit' }, s.signIn));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(input.value);
    rerender();
  });
  // Say why a token that was given no longer signs in, instead of a silent form.
  const refused = sessionStorage.getItem('token-refused') === '1';
  sessionStorage.removeItem('token-refused');
  const expired = storedTokenExpired();
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'signin-h' },
      h('h1', { id: 'signin-h' }, s.signInHeading),
      refused ? h('p', { class: 'verdict bad', role: 'alert', 'data-testid': 'token-problem' }, s.tokenRefused) : null,
      expired ? h('p', { class: 'verdict bad', role: 'alert', 'data-testid': 'token-problem' }, s.tokenExpired) : null,
      current ? h('p', { class: 'verdict bad', role: 'alert' }, s.wrongRole(s.roles[role] ?? role)) : null,
      form,
    ),
  );
  return undefined;
}

export function sessionBar(current: Session, rerender: () => void): HTMLElement {
  const s = t();
  return h(
    'p',
    { class: 'session' },
    s.signedInAs(s.roles[current.role] ?? current.role, current.sub),
    ' ',
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => {
          signOut();
          rerender();
        },
      },
      s.signOut,
    ),
  );
}
