// The one owner of the worker's storage. What must survive a worker restart lives in
// chrome.storage.local: registrations (certificate metadata only: never files, keys or
// passwords), reminder state, renewal records, history, settings, the automatic-renewal seed,
// and for seconds a renewal's secret (see secrets.js). Every write goes through `update`, one
// after another, so two messages arriving together (a registration while a renewal saves, a
// snooze while a reminder fires) cannot overwrite each other's change. Entries are decoded
// one by one by the core (crate/src/stored.rs): one that does not decode is set aside and
// reported, and every other certificate keeps working.
import * as core from './core.js';
import { oneAtATime } from './one-at-a-time.js';
import { DECODED_KEYS } from '../shared/stored-keys.js';

/**
 * What the core decodes from storage (crate/src/stored.rs `StoredState`).
 * @typedef {{ registrations: any[], reminders: Record<string, any>, renewals: Record<string, any>,
 *   history: any[], settings: object, setAside: { area: string, key?: string, value?: unknown }[],
 *   notice: { area: string, label: string | null }[], newerSchema: boolean }} StoredState
 */

/**
 * @param {{ local: chrome.storage.StorageArea, decode?: (raw: object) => { stored: object, writes: object | null },
 *   keepInPlace?: (stored: object, changes: object) => object, ready?: () => Promise<unknown> }} areas
 *   `decode`, `keepInPlace` and `ready` default to the Wasm core; tests pass the core built for Node.
 */
export function createStore({ local, decode = core.storedState, keepInPlace = core.withEntriesKeptInPlace, ready = core.loadCore }) {
  /** Runs `work` after every earlier read or write of this worker life has finished. */
  const exclusive = oneAtATime();

  /** The readable entries; what was set aside now is written back at once. Call only
   * inside `exclusive`.
   * @returns {Promise<StoredState>} */
  async function readStored() {
    await ready();
    const { stored, writes } = decode(await local.get([...DECODED_KEYS]));
    if (writes) await local.set(writes);
    return stored;
  }

  const read = () => exclusive(readStored);
  return {
    /** `{ registrations, reminders, renewals, history, settings, setAside, newerSchema }`. */
    read,
    registrations: async () => (await read()).registrations,
    renewals: async () => (await read()).renewals,
    /** A value kept as it is (settings, the automatic-renewal seed…), or `fallback`. */
    async value(key, fallback) {
      const value = (await exclusive(() => local.get(key)))[key];
      return value ?? fallback;
    },
    /**
     * Read-modify-write, one at a time: `change(stored, get)` sees the entries as they are
     * now (`get(key)` reads any other key) and returns the keys to set, or nothing.
     * It must not call the store itself (it would wait for itself).
     */
    /** @param {(stored: StoredState, get: (key: string) => Promise<any>) => object | void | Promise<object | void>} change */
    update(change) {
      return exclusive(async () => {
        const stored = await readStored();
        const get = async (key) => (await local.get(key))[key];
        // What a newer version wrote and this one cannot read stays where it is.
        const changes = await change(stored, get);
        if (changes && Object.keys(changes).length) await local.set(keepInPlace(stored, changes));
        return changes ?? null;
      });
    },
  };
}

/** The administrator's policy (chrome.storage.managed); empty when none is set. */
export async function readPolicy() {
  try {
    return await chrome.storage.managed.get(null);
  } catch (error) {
    // No managed storage (not managed, or schema missing): no policy.
    console.warn('Managed storage unavailable:', error);
    return {};
  }
}

/** The worker's store (absent outside an extension, where tests make their own). */
export const store = globalThis.chrome?.storage ? createStore({ local: chrome.storage.local }) : null;
