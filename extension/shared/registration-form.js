// The registration form, shared by the popup and the options page: the picked file's bytes
// and the password go to the worker, which reads them with the core and stores only the
// certificate's metadata. The password field is cleared whatever happens.
import { MessageType, send } from './messages.js';
import { CodedError } from './errors.js';
import { errorMessage, t } from './i18n.js';

/**
 * @param {HTMLFormElement} form with #file, #password, #label, a submit button and #message
 * @param {(result: { registration: object, report: object }) => void} onRegistered
 */
export function mountRegistrationForm(form, onRegistered) {
  const file = form.querySelector('input[type="file"]');
  const password = form.querySelector('input[type="password"]');
  const label = form.querySelector('input[name="label"]');
  const submit = form.querySelector('button[type="submit"]');
  const message = form.querySelector('[role="alert"]');

  const show = (text) => {
    message.textContent = text;
    message.hidden = !text;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    show('');
    const picked = file.files?.[0];
    if (!picked) {
      show(t('chooseFileFirst'));
      return;
    }
    submit.disabled = true;
    submit.textContent = t('reading');
    try {
      const bytes = Array.from(new Uint8Array(await picked.arrayBuffer()));
      const registered = await send(MessageType.REGISTER_CERTIFICATE, {
        bytes, password: password.value || null, fileName: picked.name, label: label.value,
      });
      form.reset();
      onRegistered(registered);
    } catch (error) {
      // The core's reason (wrong password, not a certificate…) or, for a bug, 「内部エラー」.
      if (!(error instanceof CodedError) || error.code === 'internal') console.error('Registering the certificate failed:', error);
      show(errorMessage(error));
    } finally {
      password.value = '';
      submit.disabled = false;
      submit.textContent = t('buttonRegister');
    }
  });
}
