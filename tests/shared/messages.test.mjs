// What a page sees of the worker's answers (extension/shared/messages.js `send`, errors.js,
// i18n.js `errorMessage`): a refusal becomes a CodedError with the core's context, which is
// worded in Japanese; no answer at all, or a failed send, is `internal`.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { fakeChrome } from '../support/fake-chrome.mjs';

const chrome = fakeChrome();
globalThis.chrome = chrome;
const { MessageType, send } = await import('../../extension/shared/messages.js');
const { CodedError } = await import('../../extension/shared/errors.js');
const { errorMessage } = await import('../../extension/shared/i18n.js');

/** The worker's answer to the next message. */
let answer;
beforeEach(() => {
  answer = async () => undefined;
  chrome.runtime.sendMessage = (message) => answer(message);
});

test('an answer with ok comes back whole; the message carries its type and data', async () => {
  answer = async (message) => ({ ok: true, echoed: message });
  const reply = await send(MessageType.REMOVE_CERTIFICATE, { fingerprint: 'AB' });
  assert.deepEqual(reply.echoed, { type: 'page/remove-certificate', data: { fingerprint: 'AB' } });
});

test("a refusal is thrown as a CodedError with the core's context, worded without the technical part", async () => {
  answer = async () => ({ ok: false, error: { code: 'unsupported_algorithm', oid: '1.2.3.4', message: 'unsupported' } });
  const error = await send(MessageType.REGISTER_CERTIFICATE, {}).catch((e) => e);
  assert.ok(error instanceof CodedError);
  assert.equal(error.code, 'unsupported_algorithm');
  assert.equal(error.context.oid, '1.2.3.4');
  assert.deepEqual(error.toJSON(), { code: 'unsupported_algorithm', oid: '1.2.3.4', message: 'unsupported' });
  // The OID is for the administrator (the console), not in the receptionist's sentence.
  assert.equal(errorMessage(error), chrome.i18n.getMessage('errorUnsupportedAlgorithm'));
  assert.doesNotMatch(errorMessage(error), /1\.2\.3\.4/);

  answer = async () => ({ ok: false, error: { code: 'invalid_setting', key: 'warnDays', reason: 'range' } });
  const invalid = await send(MessageType.SAVE_SETTINGS, { input: {} }).catch((e) => e);
  assert.equal(errorMessage(invalid), chrome.i18n.getMessage('settingsErrorWarnDays'));
  // Not a whole number: the same sentence of what the field accepts, never 内部エラー.
  answer = async () => ({ ok: false, error: { code: 'invalid_setting', key: 'warnDays', reason: 'type' } });
  const mistyped = await send(MessageType.SAVE_SETTINGS, { input: {} }).catch((e) => e);
  assert.equal(errorMessage(mistyped), chrome.i18n.getMessage('settingsErrorWarnDays'));
});

test('no answer, a malformed one or a failed send is internal; a bug is worded as internal', async () => {
  const internal = chrome.i18n.getMessage('errorInternal');
  for (const reply of [async () => undefined, async () => ({ ok: false }), async () => { throw new Error('no receiver'); }]) {
    answer = reply;
    const error = await send(MessageType.OVERVIEW).catch((e) => e);
    assert.ok(error instanceof CodedError);
    assert.equal(error.code, 'internal');
    assert.equal(errorMessage(error), internal);
  }
  assert.equal(errorMessage(new TypeError('a bug')), internal);
  assert.equal(CodedError.of(Object.assign(new Error('ENOENT'), { code: 'ENOENT' })), null, "a Node or DOM error is not the core's");
});
