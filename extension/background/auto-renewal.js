// Zero-touch renewal on managed terminals (the `autoRenew` policy): the core decides which
// certificates are due now and when to look again (crate/src/renewal/auto.rs); this module
// keeps the two values that plan needs across worker lives — this terminal's random seed and
// since when the policy is on — starts the due renewals, and sets the timer.
import * as core from './core.js';
import { allRenewals, startRenewal } from './renewal.js';
import { store } from './store.js';
import { Alarm } from '../shared/protocol.js';

/** This terminal's random number, drawn once: its moments differ from every other's. */
async function terminalSeed() {
  let seed;
  await store.update(async (_stored, get) => {
    seed = await get('terminalSeed');
    if (Number.isInteger(seed)) return null;
    [seed] = crypto.getRandomValues(new Uint32Array(1));
    return { terminalSeed: seed };
  });
  return seed;
}

/**
 * Starts every automatic renewal that is due, at most once per certificate (the core refuses
 * any certificate that already has a renewal record), and sets the alarm for the next one.
 * @param {{ settings: object, onChange: () => Promise<void> }} context
 * @param {(error: unknown) => void} onRefusal
 */
export async function runAutoRenewal(context, onRefusal) {
  // Offline (a terminal just woken, the network not up yet): an attempt now would fail and,
  // being automatic, not be tried again. The next alarm looks again.
  if (!navigator.onLine) return;
  await core.loadCore();
  const [seed, autoRenewSince, registrations, renewals] = await Promise.all([
    terminalSeed(), store.value('autoRenewSince', undefined), store.registrations(), allRenewals(),
  ]);
  const renewed = Object.keys(renewals);
  const plan = core.autoRenewalPlan(registrations, renewed, context.settings, seed, autoRenewSince ?? undefined, Date.now());
  if (plan.since !== null && plan.since !== autoRenewSince) await store.update(() => ({ autoRenewSince: plan.since }));
  if (plan.wakeAt === null) await chrome.alarms.clear(Alarm.AUTO_RENEW);
  else await chrome.alarms.create(Alarm.AUTO_RENEW, { when: Math.max(plan.wakeAt, Date.now() + 1000) });
  for (const fingerprint of plan.start) {
    await startRenewal(fingerprint, context, { automatic: true }).catch(onRefusal);
  }
}
