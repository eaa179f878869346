import { identityFileName, isClientError, MAX_IDENTITY_FILE_BYTES, MIN_PASSPHRASE_LENGTH } from '../client/index.js';
import { canonicalName } from '../protocol/index.js';
import type { BrowserIdentity } from './browser-storage.js';
import { h } from './dom.js';
import { createBrowserIdentity, importBrowserIdentity } from './identity-setup.js';

/** What the sign-in page hands back: an identity and its name, ready to connect. */
export type SignIn = (b: BrowserIdentity) => Promise<void>;

function errorText(e: unknown): string {
  return isClientError(e) ? e.message : e instanceof Error ? e.message : String(e);
}

function checkedName(raw: string): string {
  try {
    return canonicalName(raw);
  } catch (e) {
    throw new Error(`That name cannot be used: ${(e as Error).message}`);
  }
}

/**
 * The first page: make a new identity (optionally exportable, under a passphrase), or bring one
 * from another browser or the terminal in an encrypted identity file.
 */
export function renderSignIn(root: HTMLElement, signIn: SignIn): void {
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' });
  const busy = (form: HTMLFormElement, on: boolean, text = '') => {
    form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input').forEach((el) => (el.disabled = on));
    error.textContent = text;
  };
  const attempt = async (form: HTMLFormElement, work: () => Promise<void>) => {
    busy(form, true);
    try {
      await work();
    } catch (e) {
      busy(form, false, errorText(e));
    }
  };

  const name = h('input', { id: 'name', name: 'name', autocomplete: 'username', required: true, maxlength: '32', 'aria-describedby': 'name-hint' });
  const pass = h('input', { id: 'new-passphrase', type: 'password', autocomplete: 'new-password', 'aria-describedby': 'pass-hint' });
  const pass2 = h('input', { id: 'new-passphrase2', type: 'password', autocomplete: 'new-password' });
  const create: HTMLFormElement = h('form', { class: 'signin', id: 'create-form', onsubmit: (ev: Event) => {
    ev.preventDefault();
    void attempt(create, async () => {
      const n = checkedName(name.value);
      if (pass.value !== pass2.value) throw new Error('The two passphrases differ.');
      if (pass.value && pass.value.length < MIN_PASSPHRASE_LENGTH) throw new Error(`The passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters (or leave it empty).`);
      await signIn(await createBrowserIdentity(n, pass.value || undefined));
    });
  } },
    h('label', { for: 'name' }, 'Your name'), name,
    h('small', { id: 'name-hint' }, 'Letters, digits, . _ - (up to 32). Others see it with your key fingerprint.'),
    h('fieldset', {},
      h('legend', {}, 'Export passphrase (optional)'),
      h('small', { id: 'pass-hint' },
        `With a passphrase (${MIN_PASSPHRASE_LENGTH}+ characters) you can later export this identity to another browser or to `,
        h('code', {}, 'sealcast'), ' in a terminal. Without one, your private keys can never leave this browser.'),
      h('label', { for: 'new-passphrase' }, 'Passphrase'), pass,
      h('label', { for: 'new-passphrase2' }, 'Repeat it'), pass2,
    ),
    h('button', { type: 'submit', id: 'join' }, 'Create my keys and join'),
  );

  const file = h('input', { id: 'import-file', type: 'file', accept: '.json,application/json', 'aria-describedby': 'import-hint' });
  const importPass = h('input', { id: 'import-passphrase', type: 'password', autocomplete: 'current-password' });
  const importName = h('input', { id: 'import-name', autocomplete: 'username', maxlength: '32' });
  file.addEventListener('change', () => {
    void readFile(file).then((text) => {
      const hint = text ? identityFileName(text) : undefined;
      if (hint && !importName.value) importName.value = hint;
    }, () => undefined);
  });
  const imp: HTMLFormElement = h('form', { class: 'signin', id: 'import-form', onsubmit: (ev: Event) => {
    ev.preventDefault();
    void attempt(imp, async () => {
      const text = await readFile(file);
      if (!text) throw new Error('Choose the identity file first.');
      const n = checkedName(importName.value || identityFileName(text) || '');
      await signIn(await importBrowserIdentity(text, importPass.value, n));
    });
  } },
    h('h2', {}, 'Already have an identity?'),
    h('small', { id: 'import-hint' }, 'An encrypted identity file exported from another browser (Identity → Export) or with ',
      h('code', {}, 'sealcast identity export'), '.'),
    h('label', { for: 'import-file' }, 'Identity file'), file,
    h('label', { for: 'import-passphrase' }, 'Its passphrase'), importPass,
    h('label', { for: 'import-name' }, 'Name'), importName,
    h('button', { type: 'submit', id: 'import' }, 'Import and sign in'),
  );

  root.replaceChildren(h('div', { class: 'signin-page' },
    h('h1', {}, 'sealcast'),
    h('p', {}, 'End-to-end encrypted chat and video. Your keys are made in this browser; the server never sees them.'),
    error, create, imp));
  name.focus();
}

/** The chosen file's text; refuses anything far larger than an identity file before reading it. */
async function readFile(input: HTMLInputElement): Promise<string | undefined> {
  const f = input.files?.[0];
  if (!f) return undefined;
  if (f.size > MAX_IDENTITY_FILE_BYTES) throw new Error(`${f.name} is not an identity file (larger than ${MAX_IDENTITY_FILE_BYTES / 1024} KB).`);
  return f.text();
}
