/**
 * Credentials in URLs (`scheme://user:password@host`) never reach output, logs or any file tpx
 * writes (docs/architecture.md, "Credentials"). What counts as a credential follows pip's own
 * rule: a password always; a user name alone too (`https://TOKEN@host` is how tokens are passed),
 * except the `git` user and any user of an ssh URL, which are names, not secrets. The user info
 * ends at the last `@` before the path, query or fragment, as pip splits it (`rpartition('@')`): a
 * raw `@` in a password (`https://user:p@ss@host`) is part of the password, never of the host.
 */

// Greedy up to the last `@` of the authority; a quote, bracket or space ends a URL in running text.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/?#\s"'<>`]+)@/gi;

function isSecret(scheme: string, userinfo: string): boolean {
  return userinfo.includes(':') || !(/ssh/i.test(scheme) || userinfo === 'git');
}

/** `https://user:secret@host/` → `https://user:****@host/`; `https://TOKEN@host/` → `https://****@host/`. */
export function redact(text: string): string {
  return text.replace(USERINFO, (all, scheme: string, userinfo: string) => {
    if (!isSecret(scheme, userinfo)) return all;
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}****@` : `${scheme}${userinfo.slice(0, colon)}:****@`;
  });
}

/** `https://user:secret@host/simple` → `https://host/simple` (an ssh URL keeps its user name). */
export function stripCredentials(text: string): string {
  return text.replace(USERINFO, (all, scheme: string, userinfo: string) => {
    if (!isSecret(scheme, userinfo)) return all;
    const user = userinfo.split(':')[0] ?? '';
    return /ssh/i.test(scheme) && user !== '' ? `${scheme}${user}@` : scheme;
  });
}

/**
 * `https://user:p@ss@host/` → `https://user:p%40ss@host/`: the same credentials, written so that
 * every reader splits them alike. pip authenticates with the user info up to the last `@`, but
 * strips it from the `direct_url.json` it writes (PEP 610) only up to the first, which would leave
 * `ss@host` in the tool's venv; with the inner `@`s percent-encoded (pip decodes them) there is one.
 */
export function quoteUserinfo(text: string): string {
  return text.replace(USERINFO, (all, scheme: string, userinfo: string) =>
    userinfo.includes('@') ? `${scheme}${userinfo.replaceAll('@', '%40')}@` : all,
  );
}

/** Whether `text` holds a URL with a credential in it. */
export function hasCredentials(text: string): boolean {
  return stripCredentials(text) !== text;
}
