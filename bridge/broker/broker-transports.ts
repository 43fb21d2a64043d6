import type net from 'node:net';
import type tls from 'node:tls';
import { BrokerConnectError, brokerConnectErrorFrom } from './broker-connect-error.js';
import type { BrokerTransport } from './broker-transport.js';
import { hostAndPort, type BrokerScheme, type BrokerUrl } from './broker-url.js';
import { connectTcp } from './tcp-transport.js';
import { connectTls } from './tls-transport.js';
import { connectWebSocket } from './ws-transport.js';

export { BrokerConnectError, type BrokerConnectErrorReason } from './broker-connect-error.js';
export { dl7450ErrorFor, reasonCodeFor } from './broker-reasons.js';
export type { BrokerTransport } from './broker-transport.js';

/** One entry per scheme, as MQTT.js maps protocols to stream builders: a new transport is one entry. */
export const brokerTransports: Readonly<Record<BrokerScheme, BrokerTransport>> = {
  tcp: connectTcp,
  mqtt: connectTcp,
  ssl: connectTls,
  mqtts: connectTls,
  ws: connectWebSocket,
  wss: connectWebSocket,
};

export interface ConnectBrokerOptions {
  /** Gives up (reason 'timeout') when the connection is not up by then, DNS included. */
  connectTimeoutMs?: number;
  /** Gives up (reason 'aborted') when aborted, e.g. the board closed the connection meanwhile. */
  signal?: AbortSignal;
  /** For secure schemes (BrokerTransportOptions.tls); plain ones ignore it. */
  tls?: tls.ConnectionOptions;
}

/** Opens the connection a board asked for; every failure is a BrokerConnectError. */
export async function connectBroker(url: BrokerUrl, options: ConnectBrokerOptions = {}): Promise<net.Socket> {
  const { connectTimeoutMs = 5000, signal, tls: tlsOptions } = options;
  if (typeof connectTimeoutMs !== 'number' || !(connectTimeoutMs > 0) || connectTimeoutMs > 2 ** 31 - 1) {
    throw new TypeError(`connectBroker option "connectTimeoutMs" must be a positive number of ms, got ${JSON.stringify(connectTimeoutMs)}`);
  }
  const transport = Object.hasOwn(brokerTransports, url?.scheme) ? brokerTransports[url.scheme] : undefined;
  if (!transport) throw new TypeError(`connectBroker: "url" must be a parsed BrokerUrl, got scheme ${JSON.stringify(url?.scheme)}`);
  const aborted = (): BrokerConnectError => new BrokerConnectError('aborted', `connecting to ${url.href} was cancelled`);
  if (signal?.aborted) throw aborted();

  // One signal for the transport, whichever of timeout and caller ends the attempt; `why`
  // remembers which, since the transport only sees the abort.
  const attempt = new AbortController();
  let why: 'timeout' | 'aborted' | undefined;
  const onAbort = (): void => {
    why ??= 'aborted';
    attempt.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    why ??= 'timeout';
    attempt.abort();
  }, connectTimeoutMs);
  try {
    return await transport(url, { signal: attempt.signal, ...(tlsOptions && { tls: tlsOptions }) });
  } catch (error) {
    if (why === 'timeout') {
      throw new BrokerConnectError('timeout', `no answer from ${hostAndPort(url)} within ${connectTimeoutMs} ms`, { cause: error });
    }
    if (why === 'aborted') throw aborted();
    throw brokerConnectErrorFrom(error, url);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
