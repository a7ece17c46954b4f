import { bidderPage } from './bidder.js';
import { certificatePage } from './certificate.js';
import { h } from './dom.js';
import { currentLang, setLang, t } from './i18n.js';
import { regulatorPage } from './regulator.js';
import { verifyPage } from './verify.js';

function render(): void {
  const s = t();
  const lang = currentLang();
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = s.title;
  const path = location.pathname;
  const nav = (href: string, label: string) => h('a', { href, ...(path === href ? { 'aria-current': 'page' } : {}) }, label);
  const header = document.getElementById('site-header') as HTMLElement;
  header.replaceChildren(
    h('a', { href: '/', class: 'brand' }, s.title),
    h('nav', { 'aria-label': 'main' }, nav('/', s.navVerify), nav('/bidder', s.navBidder), nav('/regulator', s.navRegulator)),
    h(
      'button',
      {
        type: 'button',
        id: 'lang-switch',
        lang: lang === 'zh' ? 'en' : 'zh-CN',
        onclick: () => {
          setLang(lang === 'zh' ? 'en' : 'zh');
          render();
        },
      },
      s.switchLang,
    ),
  );
  // Each render draws into an element of its own: a page still loading for the render before
  // (the language switched while its data was on the way) then fills a detached element instead
  // of overwriting this one in the old language.
  const root = h('div', { class: 'view' });
  (document.getElementById('app') as HTMLElement).replaceChildren(root);
  const fail = (error: Error) => {
    root.replaceChildren(h('p', { class: 'verdict bad', role: 'alert' }, s.error + error.message));
  };
  const certificate = /^\/certificate\/([^/]+)$/.exec(path);
  if (certificate) void certificatePage(root, decodeURIComponent(certificate[1] as string)).catch(fail);
  else if (path === '/bidder') void bidderPage(root, render).catch(fail);
  else if (path === '/regulator') void regulatorPage(root, render).catch(fail);
  else verifyPage(root);
}

render();
