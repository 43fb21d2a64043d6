import { Reason } from '../../streams/link/protocol.js';
import { BrokerConnectError, type BrokerConnectErrorReason } from './broker-connect-error.js';
import { BrokerUrlError, type BrokerUrlErrorReason } from './broker-url.js';

const REASON_FOR: Record<BrokerConnectErrorReason | BrokerUrlErrorReason, Reason> = {
  unreachable: Reason.BROKER_UNREACHABLE,
  dns: Reason.DNS_FAILED,
  tls: Reason.TLS_FAILED,
  timeout: Reason.TIMEOUT,
  'unsupported-scheme': Reason.UNSUPPORTED_SCHEME,
  'bad-url': Reason.BAD_URL,
  // Only the caller aborts, so it knows the real reason (link reset, shutdown...) and should
  // send that; NORMAL ("closed as requested") is the literal truth if it passes this on.
  aborted: Reason.NORMAL,
};

/** The link protocol reason code (OPEN_FAILED, CLOSED) for a failure to open a broker connection. */
export function reasonCodeFor(error: unknown): Reason {
  if (error instanceof BrokerConnectError || error instanceof BrokerUrlError) return REASON_FOR[error.reason];
  // Callers also build their own errors with these reason words (and a second copy of this
  // module would defeat instanceof): the word is what counts.
  const reason = (error as { reason?: unknown } | null | undefined)?.reason;
  if (typeof reason === 'string' && Object.hasOwn(REASON_FOR, reason)) return REASON_FOR[reason as keyof typeof REASON_FOR];
  // Anything unforeseen still means the board got no broker; "unreachable" is what its app
  // would conclude on its own network stack.
  return Reason.BROKER_UNREACHABLE;
}

/** DL-7450 SDK MQTT error codes, as the board app sees them in on_connect. */
export const Dl7450Error = {
  GENERIC: -1,
  CLIENT_DISCONNECTED: -3,
  BAD_PROTOCOL: -14,
} as const;

/**
 * The SDK error code for a link reason, for the board-side shim (and the virtual board) to hand
 * to on_connect. The SDK documents only these three codes, so everything else is generic:
 *
 * | link reason                                 | SDK code | SDK meaning                 |
 * |---------------------------------------------|----------|-----------------------------|
 * | BAD_URL, UNSUPPORTED_SCHEME                 | -14      | bad protocol in URL         |
 * | BROKER_CLOSED, LINK_RESET, BRIDGE_SHUTDOWN  | -3       | client disconnected         |
 * | every other (unreachable, dns, tls...)      | -1       | generic error               |
 *
 * TLS_FAILED stays -1: the SDK's -13 ("SSL is not supported") means a firmware without TLS,
 * not a handshake that failed; the OPEN_FAILED text says what did.
 */
export function dl7450ErrorFor(reason: number): number {
  switch (reason) {
    case Reason.BAD_URL:
    case Reason.UNSUPPORTED_SCHEME:
      return Dl7450Error.BAD_PROTOCOL;
    case Reason.BROKER_CLOSED:
    case Reason.LINK_RESET:
    case Reason.BRIDGE_SHUTDOWN:
      return Dl7450Error.CLIENT_DISCONNECTED;
    default:
      return Dl7450Error.GENERIC;
  }
}
