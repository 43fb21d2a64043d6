import { generate, type IConnectPacket } from 'mqtt-packet';
import type { AzureConfig } from '../config/azure-schema.js';
import { iotHubUsername } from './iothub-username.js';
import { deviceResourceUri } from './sas-token.js';

/**
 * The board's CONNECT as IoT Hub wants it from this device (SessionDeps.rewriteConnect): the
 * IoT Hub user name; as password a SAS token signed now, so every new connection — the board's
 * reconnect after IoT Hub dropped it at its token's expiry included — carries a fresh one; no
 * password with X.509; the board's own password otherwise. The client id is not rewritten: a
 * board whose app uses another id would be refused by IoT Hub too, so it is refused here, in
 * words that say what to fix.
 */
export function createAzureConnectRewriter(azure: AzureConfig, nowMs: () => number = Date.now): (packet: IConnectPacket) => Buffer {
  const username = iotHubUsername(azure.hub, azure.deviceId);
  const resource = deviceResourceUri(azure.hub, azure.deviceId);
  return (packet) => {
    if (packet.clientId !== azure.deviceId) {
      throw new Error(
        `azure: the board connects with client id ${JSON.stringify(packet.clientId)}, but IoT Hub requires the device id ${JSON.stringify(azure.deviceId)}: ` +
          'change the app\'s MqttClient client_id or the board\'s azure.deviceId',
      );
    }
    const { password: boardPassword, ...rest } = packet;
    const password = azure.deviceKey
      ? Buffer.from(azure.deviceKey.token(resource, Math.floor(nowMs() / 1000) + azure.tokenTtlS))
      : azure.x509
        ? undefined
        : boardPassword;
    return generate({ ...rest, username, ...(password !== undefined && { password }) });
  };
}
