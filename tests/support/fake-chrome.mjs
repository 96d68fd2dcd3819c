// A fake `chrome.*` for the worker's unit tests (tests/worker/): storage areas with
// chrome.storage's contract, events that can be fired, and the calls the worker makes to the
// badge, notifications and tabs recorded. What it fakes is only the browser's side; the
// worker's modules and the Rust core (built for Node) run as they are.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './browser.mjs';

/** An event: `addListener` as Chrome's, `listeners` for the test to call them. */
function event() {
  const listeners = [];
  return { listeners, addListener: (listener) => listeners.push(listener) };
}

/**
 * chrome.storage's StorageArea contract: get by key, keys, defaults or everything; `set`
 * merges; values are copied both ways (Chrome stores JSON). `jitterMs`: a random delay on
 * every call, so that interleavings happen.
 * @param {object} [initial]
 * @param {{ jitterMs?: number, onChanged?: (changes: object) => void }} [options]
 */
export function storageArea(initial = {}, { jitterMs = 0, onChanged = () => {} } = {}) {
  let data = structuredClone(initial);
  const pause = () => (jitterMs ? new Promise((resolve) => { setTimeout(resolve, Math.random() * jitterMs); }) : Promise.resolve());
  return {
    /** What the area holds now (for assertions). */
    data: () => data,
    async get(keys = null) {
      await pause();
      if (keys !== null && typeof keys === 'object' && !Array.isArray(keys)) {
        return structuredClone(Object.fromEntries(Object.entries(keys).map(([key, fallback]) => [key, data[key] ?? fallback])));
      }
      const wanted = keys === null ? Object.keys(data) : [keys].flat();
      return structuredClone(Object.fromEntries(wanted.filter((key) => key in data).map((key) => [key, data[key]])));
    },
    async set(items) {
      await pause();
      // As Chrome: only the keys whose value changed are reported, and only if any did.
      const changes = Object.fromEntries(Object.entries(items)
        .filter(([key, value]) => JSON.stringify(data[key]) !== JSON.stringify(value))
        .map(([key, value]) => [key, { oldValue: data[key], newValue: value }]));
      data = { ...data, ...structuredClone(items) };
      if (Object.keys(changes).length) onChanged(changes);
    },
    async remove(keys) {
      await pause();
      data = Object.fromEntries(Object.entries(data).filter(([key]) => ![keys].flat().includes(key)));
    },
    async clear() {
      data = {};
    },
    async setAccessLevel() {},
  };
}

/** chrome.i18n.getMessage over the extension's own message files. */
function messagesOf(locale) {
  const messages = JSON.parse(readFileSync(path.join(root, 'extension/_locales', locale, 'messages.json'), 'utf8'));
  return (key, substitutions = []) => {
    const entry = messages[key];
    if (!entry) return '';
    const values = [substitutions].flat().map(String);
    return entry.message
      .replace(/\$([A-Za-z_]+)\$/g, (_, name) => entry.placeholders?.[name.toLowerCase()]?.content ?? '')
      .replace(/\$(\d)/g, (_, n) => values[Number(n) - 1] ?? '');
  };
}

const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop';

/**
 * A fake `chrome`, in Japanese, with no policy set. `recorded` holds what the worker did:
 * badge texts, notifications and tabs, in order.
 */
export function fakeChrome() {
  const locale = 'ja';
  const recorded = { badge: [], notifications: [], tabs: [], alarms: new Map() };
  /** The notifications still on screen (not cleared). */
  const shown = new Set();
  const onChanged = event();
  const changed = (area) => (changes) => onChanged.listeners.forEach((listener) => listener(changes, area));
  const origin = `chrome-extension://${EXTENSION_ID}/`;
  const chrome = {
    recorded,
    runtime: {
      id: EXTENSION_ID,
      getURL: (file) => `${origin}${file}`,
      getManifest: () => JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')),
      onMessage: event(),
      onStartup: event(),
      onInstalled: event(),
    },
    storage: {
      local: storageArea({}, { onChanged: changed('local') }),
      session: storageArea({}, { onChanged: changed('session') }),
      managed: storageArea({}, { onChanged: changed('managed') }),
      onChanged,
    },
    alarms: {
      get: async (name) => recorded.alarms.get(name),
      create: async (name, info) => { recorded.alarms.set(name, { name, ...info }); },
      clear: async (name) => recorded.alarms.delete(name),
      onAlarm: event(),
    },
    action: {
      setBadgeText: async ({ text }) => { recorded.badge.push(text); },
      setBadgeBackgroundColor: async () => {},
    },
    notifications: {
      create: async (id, options) => { recorded.notifications.push({ id, ...options }); shown.add(id); return id; },
      getAll: async () => Object.fromEntries([...shown].map((id) => [id, true])),
      clear: async (id) => shown.delete(id),
      onClicked: event(),
    },
    tabs: {
      create: async ({ url }) => { recorded.tabs.push(url); return { id: recorded.tabs.length, url }; },
      get: async (id) => {
        if (!recorded.tabs[id - 1]) throw new Error(`No tab with id: ${id}.`);
        return { id, url: recorded.tabs[id - 1] };
      },
      update: async (id, { url }) => { recorded.tabs[id - 1] = url ?? recorded.tabs[id - 1]; return { id, url }; },
      onUpdated: event(),
    },
    permissions: { contains: async () => false, onAdded: event() },
    scripting: {
      getRegisteredContentScripts: async () => [],
      unregisterContentScripts: async () => {},
      registerContentScripts: async () => {},
    },
    management: { getSelf: async () => ({ installType: 'development' }) },
    i18n: { getMessage: messagesOf(locale), getUILanguage: () => locale },
  };
  return chrome;
}

/** The sender Chrome reports for one of the extension's own pages. */
export function pageSender(page = 'popup/popup.html') {
  return { id: EXTENSION_ID, url: `chrome-extension://${EXTENSION_ID}/${page}`, origin: `chrome-extension://${EXTENSION_ID}` };
}

/** The sender Chrome reports for the content script in a tab at `url` (`frameId` 0: the top). */
export function contentSender(url, { frameId = 0 } = {}) {
  return { id: EXTENSION_ID, url, origin: new URL(url).origin, frameId, tab: { id: 7, url } };
}

/**
 * Delivers a message as Chrome does: to every `onMessage` listener, with a `sendResponse`.
 * Resolves to the answer, or to `undefined` when no listener answers (the sender's promise
 * would resolve to undefined as well).
 */
export function deliver(chrome, message, sender) {
  return new Promise((resolve) => {
    const waiting = chrome.runtime.onMessage.listeners.map((listener) => listener(message, sender, resolve));
    if (!waiting.includes(true)) resolve(undefined);
  });
}
