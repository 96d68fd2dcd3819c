// What must survive a worker restart lives in chrome.storage, behind this one object. The
// area is a parameter so the same code serves `local` and, in tests, anything with get/set.
// Stored: registrations (certificate metadata only: never files, keys or passwords),
// reminder state per fingerprint, and the user's settings.

export function createStore(area) {
  async function read(key, fallback) {
    const value = (await area.get(key))[key];
    return value ?? fallback;
  }
  return {
    registrations: () => read('registrations', []),
    saveRegistrations: (registrations) => area.set({ registrations }),
    reminders: () => read('reminders', {}),
    saveReminders: (reminders) => area.set({ reminders }),
    userSettings: () => read('settings', {}),
    saveUserSettings: (settings) => area.set({ settings }),
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
