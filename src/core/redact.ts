/** Credentials in URLs (`scheme://user:password@host`) never reach output, logs or files that get shared. */

/** `https://user:secret@host/` → `https://user:****@host/`: credentials in an index URL are never printed. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, '$1$2:****@');
}

/** `https://user:secret@host/simple` → `https://host/simple`. */
export function stripCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1');
}
