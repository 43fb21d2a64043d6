import { hostAndPort, type BrokerUrl } from './broker-url.js';
import { describeTlsFailure, type TlsCause } from './tls-failure.js';

export type { TlsCause } from './tls-failure.js';

export type BrokerConnectErrorReason = 'unreachable' | 'dns' | 'timeout' | 'unsupported-scheme' | 'aborted' | 'tls';

/** Why a broker connection could not be opened, in words fit for an OPEN_FAILED text. */
export class BrokerConnectError extends Error {
  override name = 'BrokerConnectError';
  /** The system error code behind it (ECONNREFUSED, ENOTFOUND...), when there is one. */
  readonly code?: string;
  /** Reason 'tls' only: which part of TLS failed (tls-failure.ts). */
  readonly tlsCause?: TlsCause;

  constructor(
    readonly reason: BrokerConnectErrorReason,
    message: string,
    options: { code?: string; cause?: unknown; tlsCause?: TlsCause } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.code !== undefined) this.code = options.code;
    if (options.tlsCause !== undefined) this.tlsCause = options.tlsCause;
  }
}

type Describe = (where: string, host: string) => string;

// [reason, plain words]: the code itself stays in `.code`, out of the text a board shows.
const CAUSES: Record<string, [BrokerConnectErrorReason, Describe]> = {
  ECONNREFUSED: ['unreachable', (where) => `connection refused by ${where}`],
  ECONNRESET: ['unreachable', (where) => `connection reset by ${where}`],
  EPIPE: ['unreachable', (where) => `connection to ${where} broke`],
  EHOSTUNREACH: ['unreachable', (where) => `no route to ${where} (host unreachable)`],
  ENETUNREACH: ['unreachable', (where) => `no route to ${where} (network unreachable)`],
  EADDRNOTAVAIL: ['unreachable', (where) => `cannot connect to ${where}: address not available`],
  ETIMEDOUT: ['timeout', (where) => `no answer from ${where}: the system gave up connecting`],
  ENOTFOUND: ['dns', (_, host) => `host name ${host} did not resolve`],
  EAI_NONAME: ['dns', (_, host) => `host name ${host} did not resolve`],
  EAI_NODATA: ['dns', (_, host) => `host name ${host} has no address`],
  EAI_FAIL: ['dns', (_, host) => `host name ${host} did not resolve: the name server failed`],
  EAI_AGAIN: ['dns', (_, host) => `host name ${host} did not resolve for now: is a name server reachable?`],
};

/** Classifies a socket error from connecting to `url`. */
export function brokerConnectErrorFrom(error: unknown, url: BrokerUrl): BrokerConnectError {
  if (error instanceof BrokerConnectError) return error;
  const code = errorCode(error);
  const where = hostAndPort(url);
  const tls = describeTlsFailure(error, where);
  if (tls) return new BrokerConnectError('tls', tls.text, { code, cause: error, tlsCause: tls.cause });
  const known = code !== undefined && Object.hasOwn(CAUSES, code) ? CAUSES[code] : undefined;
  if (known) return new BrokerConnectError(known[0], known[1](where, url.host), { code, cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new BrokerConnectError('unreachable', `cannot connect to ${where}: ${detail}`, { code, cause: error });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  // Happy eyeballs (autoSelectFamily) reports every address it tried; the first says enough.
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}
