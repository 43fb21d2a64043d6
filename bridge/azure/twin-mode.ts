import { Subject, type Observable } from 'rxjs';
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import { c2dTopic, d2cPrefix, desiredUpdate, methodRequest, parseDeviceRequest, parsePropertyBag, topicMatches, twinResponse } from './iothub-topics.js';
import { mergeTwinPatch, twinPatchProblem, type TwinProperties } from './twin-merge.js';

export interface TwinModeOptions {
  deviceId: string;
  /** Desired properties at start (their $version is 1). */
  desired?: TwinProperties;
  /** Reported properties at start (their $version is 1). */
  reported?: TwinProperties;
}

/** The twin as a device GETs it: each section carries its own $version. */
export interface TwinDocument {
  desired: TwinProperties & { $version: number };
  reported: TwinProperties & { $version: number };
}

export interface D2cMessage {
  /** What followed `devices/{id}/messages/events/`, decoded. */
  properties: Record<string, string>;
  payload: Buffer;
}

export type TwinEvent =
  | { type: 'twin-get'; rid: string }
  | { type: 'reported-patch'; rid: string; status: number; version?: number }
  | { type: 'd2c'; message: D2cMessage };

export interface MethodResult {
  status: number;
  /** The device's response body, parsed when it is JSON, else its text. */
  payload: unknown;
}

export interface TwinMode {
  readonly deviceId: string;
  /** Every request the device made and every D2C message, as they come. */
  readonly events$: Observable<TwinEvent>;
  twin(): TwinDocument;
  /** D2C messages so far, oldest first. */
  d2c(): D2cMessage[];
  /** Merges `patch` into desired (null removes), bumps its $version, pushes it to the device if connected; the new version. */
  updateDesired(patch: TwinProperties): number;
  /** A direct method: rejects at once when the device is not connected and subscribed (IoT Hub's 404), or after timeoutMs. */
  invokeMethod(name: string, payload: unknown, timeoutMs: number): Promise<MethodResult>;
  /** A cloud-to-device message, queued by the broker for a persistent session like IoT Hub's queue. */
  sendC2D(payload: string | Buffer, properties?: Record<string, string>): Promise<void>;
  close(): void;
}

/**
 * Answers IoT Hub's device-twin and direct-method topics for one device on an Aedes broker, so a
 * board app's twin logic runs with no cloud. The device is the client whose id is `deviceId`
 * (IoT Hub's rule); its requests carry no device id, so answers go to that client alone, and only
 * when it subscribed to a filter that matches them (IoT Hub sends nothing otherwise), at the
 * subscription's QoS capped at 1 (IoT Hub has no QoS 2). docs/azure-iot-hub.md lists what else differs.
 */
export function attachTwinMode(aedes: Aedes, options: TwinModeOptions): TwinMode {
  const { deviceId } = options;
  let desired: TwinProperties = { ...options.desired };
  let reported: TwinProperties = { ...options.reported };
  let desiredVersion = 1;
  let reportedVersion = 1;
  let nextRid = 1;
  const events$ = new Subject<TwinEvent>();
  const received: D2cMessage[] = [];
  const methods = new Map<string, (outcome: MethodResult | Error) => void>();
  const twin = (): TwinDocument => ({ desired: { ...desired, $version: desiredVersion }, reported: { ...reported, $version: reportedVersion } });

  const device = (): Client | undefined => (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[deviceId];
  /** Sends to the device as IoT Hub would: only through a subscription of its own. */
  const toDevice = (topic: string, body: string | Buffer): boolean => {
    const client = device();
    const subs = (client as unknown as { subscriptions?: Record<string, { qos: number }> } | undefined)?.subscriptions ?? {};
    const sub = Object.entries(subs).find(([filter]) => topicMatches(filter, topic));
    if (!client || !client.connected || !sub) return false;
    const qos = Math.min(sub[1].qos, 1) as 0 | 1;
    client.publish({ cmd: 'publish', topic, payload: Buffer.from(body), qos, retain: false, dup: false }, () => undefined);
    return true;
  };

  const handleReported = (rid: string, payload: Buffer): void => {
    let patch: unknown;
    try {
      patch = JSON.parse(payload.toString('utf8'));
    } catch {
      patch = undefined;
    }
    const problem = patch === undefined ? 'not JSON' : twinPatchProblem(patch);
    if (problem) {
      toDevice(twinResponse(400, rid), JSON.stringify({ errorCode: 400004, message: problem }));
      return events$.next({ type: 'reported-patch', rid, status: 400 });
    }
    reported = mergeTwinPatch(reported, patch as TwinProperties);
    reportedVersion++;
    toDevice(twinResponse(204, rid, reportedVersion), '');
    events$.next({ type: 'reported-patch', rid, status: 204, version: reportedVersion });
  };

  const onPublish = (packet: AedesPublishPacket, client: Client | null): void => {
    if (client?.id !== deviceId) return;
    const { topic } = packet;
    const payload = Buffer.from(packet.payload);
    if (topic.startsWith(d2cPrefix(deviceId))) {
      const message = { properties: parsePropertyBag(topic.slice(d2cPrefix(deviceId).length)), payload };
      received.push(message);
      return events$.next({ type: 'd2c', message });
    }
    const request = parseDeviceRequest(topic);
    if (request?.kind === 'twin-get') {
      toDevice(twinResponse(200, request.rid), JSON.stringify(twin()));
      events$.next({ type: 'twin-get', rid: request.rid });
    } else if (request?.kind === 'reported-patch') handleReported(request.rid, payload);
    else if (request?.kind === 'method-response') {
      const text = payload.toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        // not JSON: the text as it came
      }
      methods.get(request.rid)?.({ status: request.status, payload: body });
    }
  };
  aedes.on('publish', onPublish);

  return {
    deviceId,
    events$: events$.asObservable(),
    twin,
    d2c: () => [...received],
    updateDesired(patch) {
      const problem = twinPatchProblem(patch);
      if (problem) throw new TypeError(`updateDesired: ${problem}`);
      desired = mergeTwinPatch(desired, patch);
      desiredVersion++;
      toDevice(desiredUpdate(desiredVersion), JSON.stringify({ ...patch, $version: desiredVersion }));
      return desiredVersion;
    },
    invokeMethod(name, payload, timeoutMs) {
      const rid = String(nextRid++);
      return new Promise<MethodResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          methods.delete(rid);
          reject(new Error(`direct method "${name}" on ${deviceId}: no response within ${timeoutMs} ms (IoT Hub answers 504)`));
        }, timeoutMs);
        methods.set(rid, (outcome) => {
          clearTimeout(timer);
          methods.delete(rid);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        });
        if (!toDevice(methodRequest(name, rid), JSON.stringify(payload ?? null))) {
          clearTimeout(timer);
          methods.delete(rid);
          reject(new Error(`direct method "${name}": ${deviceId} is not connected and subscribed to $iothub/methods/POST/# (IoT Hub answers 404)`));
        }
      });
    },
    sendC2D(payload, properties = {}) {
      const mid = `${Date.now().toString(36)}-${nextRid++}`;
      const bag = { '$.mid': mid, '$.to': `/devices/${deviceId}/messages/deviceBound`, ...properties };
      return new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic: c2dTopic(deviceId, bag), payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (error) => (error ? reject(error) : resolve())),
      );
    },
    close() {
      aedes.removeListener('publish', onPublish);
      for (const settle of [...methods.values()]) settle(new Error(`the twin mode of ${deviceId} closed before the device answered`));
      events$.complete();
    },
  };
}
