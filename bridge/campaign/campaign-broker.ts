import { startEmbeddedBroker } from '../broker/embedded-broker.js';
import { findMosquitto, startMosquitto } from '../broker/mosquitto/local-mosquitto.js';

export interface CampaignBroker {
  url: string;
  /** For the banner and the report: which broker the verdict is about. */
  description: string;
  stop(): Promise<void>;
}

/** What a campaign without --broker will run against, before it starts. */
export function campaignBrokerChoice(): { mosquitto: string | undefined; description: string } {
  const mosquitto = findMosquitto();
  return { mosquitto, description: mosquitto ? `own Mosquitto (${mosquitto}), on a free 127.0.0.1 port` : 'embedded Aedes' };
}

/**
 * The broker of a campaign given none: a private Mosquitto when one is installed, since the
 * embedded Aedes sends a QoS 2 PUBLISH again after the board's PUBREC across reconnects and so
 * fails the exactly-once check on the broker's account; otherwise that Aedes.
 */
export async function startCampaignBroker(): Promise<CampaignBroker> {
  const { mosquitto, description } = campaignBrokerChoice();
  if (mosquitto) {
    const m = await startMosquitto({ binary: mosquitto });
    return { url: m.url, description, stop: () => m.stop() };
  }
  const aedes = await startEmbeddedBroker();
  return { url: aedes.url, description, stop: () => aedes.close() };
}
