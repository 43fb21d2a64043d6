import type tls from 'node:tls';
import { connectBroker, reasonCodeFor } from '../broker/broker-transports.js';
import { parseBrokerUrl, redactUrl, type BrokerUrl } from '../broker/broker-url.js';
import type { BrokerConnector, BrokerFailure } from '../session/session-types.js';
import { withBoardTlsMaterial } from '../broker/board-tls-material.js';

export interface ConnectorOptions {
  /** Where connections go whatever the board asks for; undefined = the URL the board asked for. */
  override: BrokerUrl | undefined;
  connectTimeoutMs: number;
  /** The board's TLS settings (BoardTls.connectionOptions()), used for secure schemes only. */
  tls?: tls.ConnectionOptions;
}

function failure(error: unknown): BrokerFailure {
  const f = (error instanceof Error ? error : new Error(String(error))) as BrokerFailure;
  f.reason = reasonCodeFor(error);
  return f;
}

/**
 * Benches rarely let boards reach production brokers, so the bench's broker replaces the URL a
 * board asks for; the board's URL is still parsed, so a board asking for nonsense learns it.
 */
export function createBrokerConnector(options: ConnectorOptions): BrokerConnector {
  return async (requested, boardTls) => {
    let target: BrokerUrl;
    try {
      if (requested !== undefined) parseBrokerUrl(requested);
      if (options.override) target = options.override;
      else if (requested !== undefined) target = parseBrokerUrl(requested);
      else throw Object.assign(new Error('no broker configured for a raw link'), { reason: 'bad-url' });
    } catch (error) {
      throw failure(error);
    }
    try {
      const tlsOptions = !target.secure ? undefined : boardTls ? withBoardTlsMaterial(options.tls, boardTls) : options.tls;
      const socket = await connectBroker(target, { connectTimeoutMs: options.connectTimeoutMs, ...(tlsOptions && { tls: tlsOptions }) });
      return { socket, url: redactUrl(target.href) };
    } catch (error) {
      throw failure(error);
    }
  };
}
