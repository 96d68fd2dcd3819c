// The banner on WebORCA pages. It asks the worker what to say (the worker checks this page's
// origin, decides everything and words it: `background/banner-view.js`), and renders it in a
// closed shadow root at the top of the page, in the flow, so WebORCA's own styles and
// controls are neither changed nor covered.
import { MessageType, send } from '../shared/messages.js';
import { BannerAction } from '../shared/protocol.js';

const STYLE = `
  :host { all: initial; display: block; }
  .bar { box-sizing: border-box; width: 100%; padding: 10px 16px; display: flex; flex-wrap: wrap;
    align-items: center; gap: 8px 16px; font: 15px/1.5 system-ui, "Hiragino Sans", "Yu Gothic UI", "Meiryo", sans-serif;
    color: #3d2600; background: #fff4d6; border-bottom: 2px solid #a15c00; }
  .bar.critical { color: #5c0f0a; background: #fde8e6; border-bottom-color: #b3261e; }
  .text { flex: 1 1 320px; margin: 0; }
  .text strong { font-weight: 700; }
  .actions { display: flex; gap: 8px; }
  button { font: inherit; font-weight: 700; padding: 6px 14px; border-radius: 4px; cursor: pointer; }
  .primary { background: #0b5cad; color: #fff; border: 1px solid #0b5cad; }
  .secondary { background: #fff; color: #333; border: 1px solid #595959; }
  button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
`;

/** How long a button must have been fully visible before a click on it counts: a page that
 * shows the banner only under the pointer, for a moment, gets nothing. */
const VISIBLE_BEFORE_CLICK_MS = 500;

/**
 * A button that acts only on a real user's click on it while it is visibly on screen. The
 * page shares the DOM: it can restyle the banner's host (opacity, a cover, a transform) or
 * dispatch synthetic events, so `isTrusted` and IntersectionObserver v2's `isVisible`
 * (false when covered, transparent, filtered or transformed) are both required.
 */
function button(text, className, onClick) {
  const el = document.createElement('button');
  el.type = 'button';
  el.className = className;
  el.textContent = text;
  let visibleSince = null;
  const observer = new IntersectionObserver((entries) => {
    // IntersectionObserver v2 (Chrome only): not in TypeScript's DOM types.
    const visible = /** @type {{ isVisible?: boolean } | undefined} */ (entries.at(-1))?.isVisible === true;
    if (!visible) visibleSince = null;
    else visibleSince ??= performance.now();
  }, /** @type {IntersectionObserverInit} */ ({ threshold: [1.0], trackVisibility: true, delay: 100 }));
  observer.observe(el);
  el.addEventListener('click', (event) => {
    const shown = visibleSince !== null && performance.now() - visibleSince >= VISIBLE_BEFORE_CLICK_MS;
    if (event.isTrusted && shown) onClick();
  });
  return el;
}

/** What each button asks of the worker. */
const ACTIONS = Object.freeze({
  [BannerAction.RENEW]: MessageType.RENEW,
  [BannerAction.GUIDE]: MessageType.OPEN_GUIDE,
  [BannerAction.SNOOZE]: MessageType.SNOOZE,
});

/** Resolves once the page's DOM is parsed (at once if it is) and the page's own
 * DOMContentLoaded handlers have run: one that rebuilds <body> runs before the banner is
 * drawn, as when the banner came at document_idle. */
function parsed() {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => {
    document.addEventListener('DOMContentLoaded', () => { setTimeout(resolve, 0); }, { once: true });
  });
}

/** Shows the banner the worker words: `asked` is its answer to BANNER, asked already. */
async function show(asked = send(MessageType.BANNER)) {
  // Refused (not a WebORCA page under the settings in force now): nothing to show.
  const banner = await asked.then((answer) => answer.banner, () => null);
  if (!banner) return;
  await parsed();
  const host = document.createElement('weborca-cert-banner');
  const root = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = STYLE;
  const bar = document.createElement('div');
  bar.setAttribute('role', 'alert');
  bar.setAttribute('aria-label', banner.label);
  // Its own language: the page around it may be in another.
  bar.lang = banner.lang;
  host.lang = banner.lang;
  bar.className = `bar ${banner.severity}`;
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = banner.text;
  const actions = document.createElement('div');
  actions.className = 'actions';
  for (const { text: label, kind, action } of banner.buttons) {
    actions.append(button(label, kind, async () => {
      const answer = await send(ACTIONS[action], { fingerprint: banner.fingerprint })
        .catch((error) => console.warn('WebORCA certificate banner:', error.code));
      // 後で: hidden until the next step (the worker stored the snooze). A banner that no longer
      // says what the worker would show is drawn again as it is now.
      if (action === BannerAction.SNOOZE || answer?.stale) host.remove();
      if (answer?.stale) await show();
    }));
  }
  bar.append(text, actions);
  root.append(style, bar);
  document.body.prepend(host);
}

// Run at document_start: the worker is asked at once, and answers while the page is still
// loading; the banner is drawn as soon as the page is parsed.
show().catch((error) => console.warn('WebORCA certificate banner:', error));
