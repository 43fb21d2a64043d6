/** The API version the bridge announces; IoT Hub's current GA MQTT device API. */
export const IOT_HUB_API_VERSION = '2021-04-12';

/** The CONNECT user name IoT Hub requires of a device: `{hub}/{deviceId}/?api-version=…`. */
export function iotHubUsername(hub: string, deviceId: string, apiVersion = IOT_HUB_API_VERSION): string {
  return `${hub}/${deviceId}/?api-version=${apiVersion}`;
}
