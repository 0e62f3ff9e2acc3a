/** Keeps secrets (registry passwords, tokens, credentials in URLs) out of every line that is printed or returned. */

/** Replaces the userinfo of URLs (https://user:token@host) so a token never reaches a log or an error. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

// Environment variables whose values are credentials, by name; their values are masked wherever they appear.
const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|API_KEY|AUTH)/i;
// Shorter values would mask ordinary words ("true", a port number) and make logs unreadable.
const MIN_SECRET_LENGTH = 4;

/** Masks every registered secret in a text with `***`. */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers secret values; empty and very short values are ignored. */
  add(...values: (string | undefined)[]): this {
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) this.secrets.add(v);
    return this;
  }

  /** The text with every secret replaced, longest first so a secret containing another is masked whole. */
  apply(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length))
      out = out.split(s).join('***');
    // URLs with userinfo (https://user:token@host) are masked even when the secret was never registered.
    return maskCredentials(out);
  }

  /** apply as a free function, for a process runner's `mask` option. */
  readonly mask = (text: string): string => this.apply(text);
}

/** A Redactor holding the values of every credential-like variable in `env`. */
export function redactorFromEnv(env: NodeJS.ProcessEnv): Redactor {
  const r = new Redactor();
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) r.add(value);
  return r;
}
