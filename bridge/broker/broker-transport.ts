import type net from 'node:net';
import type { BrokerUrl } from './broker-url.js';

/**
 * Opens the byte stream to a broker. It must give up, destroying what it opened, when `signal`
 * aborts (connectBroker aborts it on its timeout); errors may be raw socket errors.
 */
export type BrokerTransport = (url: BrokerUrl, options: { signal: AbortSignal }) => Promise<net.Socket>;
