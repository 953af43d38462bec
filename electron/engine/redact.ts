// Connection URLs appear in messages the user reads; the password never does.

/** Returns the URL with any password replaced by '***'; non-URLs are returned unchanged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of ['password', 'sslpassword']) {
      if (u.searchParams.has(name)) u.searchParams.set(name, '***');
    }
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** Removes every occurrence of the given secrets from free text (child process stderr, driver errors). */
export function scrubSecrets(text: string, secrets: readonly (string | undefined | null)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 1) out = out.split(s).join('***');
  }
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}
