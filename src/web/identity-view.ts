import { fingerprintDigits, isClientError, toHex } from '../client/index.js';
import type { BrowserIdentity } from './browser-storage.js';
import { h } from './dom.js';
import { checkExportPassphrase } from './identity-setup.js';

/**
 * "Identity": name, fingerprint, export to a passphrase-encrypted file (when this identity was
 * made exportable), and removing it from this browser.
 */
export function renderIdentityView(
  section: HTMLElement, b: BrowserIdentity, opts: IdentityViewActions, rotated = false,
): void {
  const fp = b.identity.bundle.fingerprint;
  const status = h('p', { id: 'export-status', role: 'status' });
  const parts: (Node | string)[] = [
    h('h2', {}, 'Your identity'),
    h('dl', {},
      h('dt', {}, 'Name'), h('dd', { id: 'identity-name' }, b.name),
      h('dt', {}, 'Fingerprint'), h('dd', { id: 'identity-fingerprint', class: 'safety' }, fingerprintDigits(fp)),
      h('dt', {}, 'SHA-256'), h('dd', { class: 'hex' }, toHex(fp)),
      h('dt', {}, 'Suite'), h('dd', {}, b.identity.suite),
    ),
    h('h3', {}, 'Export'),
  ];
  if (b.exportFile) {
    const exportFile = b.exportFile;
    const pass = h('input', { id: 'export-passphrase', type: 'password', autocomplete: 'current-password', required: true });
    const button = h('button', { type: 'submit', id: 'export' }, 'Download encrypted identity');
    const form: HTMLFormElement = h('form', { id: 'export-form', onsubmit: (ev: Event) => {
      ev.preventDefault();
      button.disabled = true;
      status.textContent = 'Checking the passphrase…';
      checkExportPassphrase(exportFile, pass.value).then(() => {
        download(`sealcast-identity-${b.name}.json`, exportFile);
        pass.value = '';
        status.textContent = 'Saved. Open it in another browser ("Already have an identity?") or run: sealcast identity import FILE';
      }, (e: unknown) => {
        status.textContent = isClientError(e, 'BAD_PASSPHRASE') ? 'Wrong passphrase.' : `Export failed: ${e instanceof Error ? e.message : String(e)}`;
      }).finally(() => (button.disabled = false));
    } },
      h('p', {}, 'The file holds your private keys encrypted under the passphrase you chose when this identity was made here; keep it as safe as that passphrase is strong.'),
      h('label', { for: 'export-passphrase' }, 'Passphrase '), pass, ' ', button,
    );
    parts.push(form, status);
  } else {
    parts.push(h('p', { class: 'notice', id: 'not-exportable' },
      'This identity cannot be exported: it was made without an export passphrase, so its private keys are locked in this browser ',
      'and no script, not even sealcast\'s, can read them out. To use sealcast elsewhere, make an identity there with another name, ',
      'or remove this one below and make a new one with a passphrase (your peers will see a new key).'));
  }
  parts.push(...rotateSection(section, b, opts, rotated));
  const confirm = h('button', { type: 'button', id: 'forget-confirm', class: 'danger', hidden: true, onclick: () => void opts.onForget() },
    'Yes, delete my keys from this browser');
  parts.push(
    h('h3', {}, 'Remove from this browser'),
    h('p', {}, b.exportFile ? 'Deletes your keys and chat history here. Export first if you want to keep using this identity.'
      : 'Deletes your keys and chat history here. This identity cannot be exported, so it will be gone for good.'),
    h('button', { type: 'button', id: 'forget', onclick: () => {
      confirm.hidden = false;
      confirm.focus();
    } }, 'Remove…'), ' ', confirm,
  );
  section.replaceChildren(...parts);
}

/** What the identity page asks of the app. */
export interface IdentityViewActions {
  onForget: () => Promise<void>;
  /** Replaces the key; resolves with the new identity once the server took it. */
  onRotate: (passphrase?: string) => Promise<BrowserIdentity>;
}

/**
 * "Replace your key": a new key pair, announced to the server signed by the current key. An
 * exportable identity stays exportable: its passphrase seals the new keys' transfer file.
 */
function rotateSection(section: HTMLElement, b: BrowserIdentity, opts: IdentityViewActions, rotated: boolean): Node[] {
  const status = h('p', { id: 'rotate-status', role: 'status' },
    rotated ? 'Your key was replaced. Your peers are told (signed by your old key) and must accept the new one; ' +
      'messages still sealed to the old key open here as before.' : '');
  const pass = b.exportFile ? h('input', { id: 'rotate-passphrase', type: 'password', autocomplete: 'current-password', required: true }) : undefined;
  const button = h('button', { type: 'submit', id: 'rotate' }, 'Replace my key');
  const form: HTMLFormElement = h('form', { id: 'rotate-form', onsubmit: (ev: Event) => {
    ev.preventDefault();
    button.disabled = true;
    status.textContent = 'Replacing your key…';
    opts.onRotate(pass?.value).then((next) => renderIdentityView(section, next, opts, true), (e: unknown) => {
      status.textContent = isClientError(e, 'BAD_PASSPHRASE') ? 'Wrong passphrase.' : `Not replaced: ${e instanceof Error ? e.message : String(e)}`;
      button.disabled = false;
    });
  } },
    h('p', {}, 'Makes a new key pair for this name and tells the server, signed by your current key. Your peers see that your key changed ',
      'and must accept the new one. Other browsers or terminals that use this identity stop working with it.'),
    ...(pass ? [h('label', { for: 'rotate-passphrase' }, 'Export passphrase '), pass, ' '] : []), button,
  );
  return [h('h3', {}, 'Replace your key'), form, status];
}

/** Saves text as a file through a temporary blob: URL (nothing leaves the browser). */
function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text + '\n'], { type: 'application/json' }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
