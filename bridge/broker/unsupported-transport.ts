import { BrokerConnectError } from './broker-connect-error.js';
import type { BrokerTransport } from './broker-transport.js';

/** A scheme boards may ask for, but whose transport the bridge does not have yet. */
export function notSupportedYet(scheme: string): BrokerTransport {
  return async () => {
    throw new BrokerConnectError('unsupported-scheme', `${scheme}:// is not supported yet by this bridge`);
  };
}
