import type tls from 'node:tls';
import { inspect } from 'node:util';
import type { ConfigIssue } from './config-error.js';
import { clientIdentity } from './tls-pem.js';
import type { RawTls } from './tls-schema.js';

/** What a board's TLS settings came from, safe to print: sources, never contents. */
export interface BoardTlsSummary {
  verify: boolean;
  /** The board's own TLS settings, sent with its OPEN, replace these (protocol 3.1.1). */
  fromBoard?: boolean;
  servername?: string;
  trustStore?: string;
  keyStore?: string;
  privateKey?: string;
}

/**
 * A board's TLS settings toward its broker (ssl, mqtts, wss), secrets already read. The key
 * lives in a private field: JSON, logs and util.inspect show only where things came from.
 */
export class BoardTls {
  readonly #options: tls.ConnectionOptions;

  constructor(
    readonly summary: BoardTlsSummary,
    options: tls.ConnectionOptions,
  ) {
    this.#options = options;
  }

  /** Certificate and host name checks; false only when the bench file says `verify: false`. */
  get verify(): boolean {
    return this.summary.verify;
  }

  /** For tls.connect: ca, cert, key, rejectUnauthorized, servername. */
  connectionOptions(): tls.ConnectionOptions {
    return { ...this.#options };
  }

  toJSON(): BoardTlsSummary {
    return this.summary;
  }

  [inspect.custom](): string {
    return `BoardTls ${inspect(this.summary)}`;
  }
}

type Key = keyof RawTls;

/**
 * A board's TLS settings: its own `tls:` keys over those of `defaults.tls`, one by one (a
 * bench-wide trustStore, a key store per board). Undefined when neither has a `tls:` block.
 */
export function boardTlsFor(defaults: RawTls | undefined, own: RawTls | undefined, boardPath: string): BoardTls | ConfigIssue[] | undefined {
  if (defaults === undefined && own === undefined) return undefined;
  const merged: RawTls = { ...defaults, ...own };
  // Problems are reported at the key as written, which may be in defaults.
  const at = (key: Key): string => (own !== undefined && Object.hasOwn(own, key) ? `${boardPath}.tls.${key}` : `defaults.tls.${key}`);
  const { trustStore, keyStore, privateKey } = merged;
  const identity = clientIdentity(keyStore?.value, privateKey?.value);
  if (identity === 'key-without-certificate') return [{ path: at('privateKey'), message: 'a private key needs its certificate: give keyStore too' }];
  if (identity === 'no-key') return [{ path: at('keyStore'), message: `${keyStore?.source} holds no private key: include it there or give privateKey` }];
  if (identity === 'mismatch') {
    const where = privateKey ? 'privateKey' : 'keyStore';
    return [{ path: at(where), message: `the private key (${(privateKey ?? keyStore)?.source}) is not the key of the keyStore's first certificate (${keyStore?.source})` }];
  }
  const verify = merged.verify ?? true;
  const summary: BoardTlsSummary = {
    verify,
    ...(merged.fromBoard === true && { fromBoard: true }),
    ...(merged.servername !== undefined && { servername: merged.servername }),
    ...(trustStore && { trustStore: trustStore.source }),
    ...(keyStore && { keyStore: keyStore.source }),
    ...(privateKey && { privateKey: privateKey.source }),
  };
  return new BoardTls(summary, {
    rejectUnauthorized: verify,
    ...(merged.servername !== undefined && { servername: merged.servername }),
    // Without a trust store, Node's bundled Mozilla CA list decides, as for any TLS client.
    ...(trustStore && { ca: trustStore.value }),
    ...identity,
  });
}
