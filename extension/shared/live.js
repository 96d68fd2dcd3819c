// What a screen reader is told: one live region per page (`#announcer`, polite) for every
// outcome and error, and the field an error belongs to marked invalid, with its message
// placed beside it.

/** Says `text` through the page's live region (cleared first, so the same words twice are
 * said twice). */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 60);
}

const describedBy = (input) => (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);

/** Marks `input` invalid and shows `text` in `said` right after it, named by the field's
 * description; the text is announced too. */
export function showFieldError(input, said, text) {
  said.textContent = text;
  said.hidden = false;
  input.after(said);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [said.id, ...describedBy(input).filter((id) => id !== said.id)].join(' '));
  announce(text);
}

/** Clears what `showFieldError` did, on whichever field `said` was beside. */
export function clearFieldError(said) {
  said.textContent = '';
  said.hidden = true;
  for (const input of document.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
    const rest = describedBy(input).filter((id) => id !== said.id);
    if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}
