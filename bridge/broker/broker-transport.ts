import type net from 'node:net';
import type tls from 'node:tls';
import type { BrokerUrl } from './broker-url.js';

export interface BrokerTransportOptions {
  signal: AbortSignal;
  /**
   * TLS settings for secure schemes (ssl, mqtts, wss): CA, client certificate and key, SNI,
   * verification. Verification is on unless the bench config turned it off.
   */
  tls?: tls.ConnectionOptions;
}

/**
 * Opens the byte stream to a broker. It must give up, destroying what it opened, when `signal`
 * aborts (connectBroker aborts it on its timeout); errors may be raw socket errors.
 */
export type BrokerTransport = (url: BrokerUrl, options: BrokerTransportOptions) => Promise<net.Socket>;
