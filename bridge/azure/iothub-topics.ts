// IoT Hub's MQTT topic names for a device (API 2021-04-12), built and taken apart in one place.

export const twinResponse = (status: number, rid: string, version?: number): string =>
  `$iothub/twin/res/${status}/?$rid=${encodeURIComponent(rid)}${version === undefined ? '' : `&$version=${version}`}`;
export const desiredUpdate = (version: number): string => `$iothub/twin/PATCH/properties/desired/?$version=${version}`;
export const methodRequest = (name: string, rid: string): string => `$iothub/methods/POST/${name}/?$rid=${encodeURIComponent(rid)}`;
export const d2cPrefix = (deviceId: string): string => `devices/${deviceId}/messages/events/`;
export const c2dTopic = (deviceId: string, properties: Record<string, string>): string =>
  `devices/${deviceId}/messages/devicebound/${propertyBag(properties)}`;

/** `a=1&b=x%20y`: IoT Hub's property bags are URL-encoded query strings without the `?`. */
export function propertyBag(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

export function parsePropertyBag(bag: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(bag));
}

/** What a device publishes under `$iothub/`, by kind; undefined for anything else. */
export type DeviceRequest =
  | { kind: 'twin-get'; rid: string }
  | { kind: 'reported-patch'; rid: string }
  | { kind: 'method-response'; rid: string; status: number };

export function parseDeviceRequest(topic: string): DeviceRequest | undefined {
  const q = topic.indexOf('?');
  if (q < 0) return undefined;
  const path = topic.slice(0, q);
  const rid = new URLSearchParams(topic.slice(q + 1)).get('$rid');
  if (rid === null) return undefined;
  if (path === '$iothub/twin/GET/') return { kind: 'twin-get', rid };
  if (path === '$iothub/twin/PATCH/properties/reported/') return { kind: 'reported-patch', rid };
  const method = /^\$iothub\/methods\/res\/(\d+)\/$/.exec(path);
  return method ? { kind: 'method-response', rid, status: Number(method[1]) } : undefined;
}

/** Whether an MQTT topic filter (`+`, `#`) matches a topic name. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '#' || f[0] === '+')) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
