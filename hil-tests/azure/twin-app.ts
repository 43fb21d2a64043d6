import { tsApp, type BoardApp } from '../../drivers/boards/apps/board-app.js';
import type { Collected } from '../support/collected.js';

/** What the app saw and did, for the test to check: one line per exchange. */
export type TwinAppSeen = { topic: string; body: unknown };

const decoder = new TextDecoder();
const parse = (text: string): unknown => (text === '' ? '' : JSON.parse(text));

/**
 * A board app written against the SDK only, as a device using IoT Hub's twin conventions would
 * be: GETs its twin once subscribed, reports its firmware and the desired interval, reports back
 * every desired update, answers the `reboot` direct method, and sends one telemetry message.
 */
export function twinApp(hub: string, deviceId: string, seen: Collected<TwinAppSeen>): BoardApp {
  return tsApp(({ mqtt }) => {
    const client = new mqtt.MqttClient(`ssl://${hub}:8883`, deviceId);
    let rid = 0;
    const report = (patch: Record<string, unknown>) => client.publish(`$iothub/twin/PATCH/properties/reported/?$rid=${++rid}`, JSON.stringify(patch), 0);
    client.on_subscribe(() => client.publish(`$iothub/twin/GET/?$rid=${++rid}`, '', 0));
    client.on_message((topic, message) => {
      const body = parse(decoder.decode(message));
      seen.push({ topic, body });
      if (topic.startsWith('$iothub/twin/res/200/')) {
        const desired = (body as { desired: { interval?: number } }).desired;
        report({ fw: '1.0', interval: desired.interval ?? null });
        client.publish(`devices/${deviceId}/messages/events/kind=hello`, JSON.stringify({ booted: true }), 1);
      } else if (topic.startsWith('$iothub/twin/PATCH/properties/desired/')) {
        const { $version, ...patch } = body as Record<string, unknown>;
        report({ ...patch, desiredVersion: $version });
      } else if (topic.startsWith('$iothub/methods/POST/')) {
        const [, name, methodRid] = /^\$iothub\/methods\/POST\/([^/]+)\/\?\$rid=(.+)$/.exec(topic) ?? [];
        const status = name === 'reboot' ? 200 : 404;
        client.publish(`$iothub/methods/res/${status}/?$rid=${methodRid}`, JSON.stringify({ method: name, accepted: status === 200, request: body }), 0);
      }
    });
    client.connect(
      (rc) => {
        if (rc === 0) client.subscribe([['$iothub/twin/res/#', 1], ['$iothub/twin/PATCH/properties/desired/#', 1], ['$iothub/methods/POST/#', 1]]);
      },
      { keep_alive: 60, username: `${hub}/${deviceId}/?api-version=2021-04-12` },
    );
  });
}
