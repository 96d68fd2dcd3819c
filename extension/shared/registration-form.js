// The registration form, shared by the popup and the options page: the picked file's bytes
// and the password go to the worker, which reads them with the core and stores only the
// certificate's metadata. The password field is cleared whatever happens.
import { MessageType, send } from './messages.js';
import { CodedError } from './errors.js';
import { errorMessage, t } from './i18n.js';
import { announce, clearFieldError, showFieldError } from './live.js';

/**
 * @param {HTMLFormElement} form with a file, a password and a label input, a submit button
 *   and an `.error` paragraph (moved beside the field in error)
 * @param {(result: { registration: object, report: object }) => void} onRegistered
 */
export function mountRegistrationForm(form, onRegistered) {
  /** @type {(selector: string) => HTMLInputElement} */
  const input = (selector) => form.querySelector(selector);
  const file = input('input[type="file"]');
  const password = input('input[type="password"]');
  const label = input('input[name="label"]');
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
  const message = /** @type {HTMLElement} */ (form.querySelector('p.error'));
  let busy = false;

  /** The error beside its field, which gets the focus: the hands stay where the fix is. */
  const fail = (input, text) => {
    showFieldError(input, message, text);
    input.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Busy is said with aria-disabled, not `disabled`: a disabled button loses the focus.
    if (busy) return;
    clearFieldError(message);
    const picked = file.files?.[0];
    if (!picked) {
      fail(file, t('chooseFileFirst'));
      return;
    }
    busy = true;
    submit.setAttribute('aria-disabled', 'true');
    submit.textContent = t('reading');
    announce(t('reading'));
    try {
      const bytes = Array.from(new Uint8Array(await picked.arrayBuffer()));
      const registered = await send(MessageType.REGISTER_CERTIFICATE, {
        bytes, password: password.value || null, fileName: picked.name, label: label.value,
      });
      form.reset();
      announce(t('registeredAs', [registered.registration.label]));
      await onRegistered(registered);
      if (document.activeElement === document.body) submit.focus();
    } catch (error) {
      // The core's reason (wrong password, not a certificate…) or, for a bug, 「内部エラー」.
      if (!(error instanceof CodedError) || error.code === 'internal') console.error('Registering the certificate failed:', error);
      fail(error?.code === 'wrong_password' ? password : file, errorMessage(error));
    } finally {
      password.value = '';
      busy = false;
      submit.removeAttribute('aria-disabled');
      submit.textContent = t('buttonRegister');
    }
  });
}
