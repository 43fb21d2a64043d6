import type { IClientOptions, MqttClient } from 'mqtt';
import { parseBrokerUrl } from '../../../bridge/broker/broker-url.js';
import { Reason } from '../../../streams/link/protocol.js';
import { messageBytes, resolveConnectOptions, type ResolvedConnectOptions } from './connect-options.js';
import { MqttError, MqttErrorCode } from './mqtt-errors.js';
import { createReconnectSchedule } from './reconnect-schedule.js';
import type { TlsMaterial } from '../../../streams/link/tls-items.js';
import type { ConnectOptions, Dl7450MqttClient, MqttMessage, OnConnect, OnMessage, OnPublish, OnSubscribe } from './mqtt-module-types.js';

/** What a client needs from its board: an MQTT engine per broker URL, timers, limits. */
export interface ClientDeps {
  /** An MQTT.js client whose transport is the board's link (virtual board's connect()). */
  engine(brokerUrl: string, options: IClientOptions, tls?: TlsMaterial): MqttClient;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Publishes queued or unacknowledged before publish() raises MqttError(-4). */
  maxPending: number;
}

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'disconnected';

// A link refusal reaches on_connect as the SDK code the board's own stack would give.
function rcForLinkReason(reason: number): number {
  if (reason === Reason.BAD_URL || reason === Reason.UNSUPPORTED_SCHEME) return MqttErrorCode.BAD_PROTOCOL;
  return MqttErrorCode.FAILURE;
}

function failureRc(error: unknown): number {
  const e = error as { code?: unknown; reason?: unknown };
  if (typeof e.code === 'number' && e.code >= 1 && e.code <= 5) return e.code; // CONNACK refused
  if (typeof e.reason === 'number') return rcForLinkReason(e.reason);
  return MqttErrorCode.FAILURE;
}

/** The app's TLS options, for the link to carry (TLS_ITEM); undefined when it gave none. */
function tlsOf({ tls }: ResolvedConnectOptions): TlsMaterial | undefined {
  return tls.trustStore || tls.keyStore || tls.privateKey ? tls : undefined;
}

const hasWildcard = (topic: string) => topic.includes('+') || topic.includes('#');

/**
 * `mqtt.MqttClient` with the SDK's semantics over MQTT.js: persistent sessions (clean_session
 * is always 0), the SDK's reconnect schedule instead of MQTT.js's fixed period, publishes
 * queued while disconnected (and lost with the board's RAM), on_connect called once per attempt
 * outcome, SUBACK and publish results reported by mid.
 */
export function createDl7450Client(deps: ClientDeps, brokerUrl: unknown, clientId: unknown): Dl7450MqttClient & { halt(): void } {
  if (typeof brokerUrl !== 'string') throw new TypeError('broker_url must be a str');
  if (typeof clientId !== 'string') throw new TypeError('client_id must be a str');
  try {
    parseBrokerUrl(brokerUrl);
  } catch (error) {
    throw new MqttError(MqttErrorCode.BAD_PROTOCOL, (error as Error).message);
  }

  let state: State = 'idle';
  let engine: MqttClient | undefined;
  let onConnect: OnConnect | undefined;
  let onMessage: OnMessage | undefined;
  let onSubscribe: OnSubscribe | undefined;
  let onPublish: OnPublish | undefined;
  let attemptRc: number | undefined;
  let retryTimer: unknown;
  let nextMid = 0;
  let pending = 0;
  const beforeConnect: (() => void)[] = []; // publishes made before the first connect()
  const schedule = createReconnectSchedule();

  const mid = (): number => {
    nextMid = (nextMid % 65535) + 1;
    return nextMid;
  };

  const retry = (): void => {
    state = 'waiting';
    retryTimer = deps.setTimeout(() => {
      retryTimer = undefined;
      if (state !== 'waiting') return;
      state = 'connecting';
      attemptRc = undefined;
      // Without stores given, MQTT.js's reconnect() starts from empty ones, which would drop
      // the QoS 1/2 messages queued or in flight: the persistent session would lose them.
      engine?.reconnect({ incomingStore: engine.incomingStore, outgoingStore: engine.outgoingStore });
    }, schedule.next());
  };

  const wire = (e: MqttClient): void => {
    e.on('connect', () => {
      state = 'connected';
      schedule.reset();
      onConnect?.(0, {});
    });
    e.on('error', (error) => {
      attemptRc = failureRc(error);
    });
    e.on('close', () => {
      if (state === 'disconnected') return;
      // An established connection lost is -1; a failed attempt reports why it failed.
      const rc = state === 'connected' ? MqttErrorCode.FAILURE : (attemptRc ?? MqttErrorCode.FAILURE);
      retry();
      onConnect?.(rc, {});
    });
    e.on('message', (topic, payload) => onMessage?.(topic, new Uint8Array(payload)));
  };

  const engineOptions = (o: ResolvedConnectOptions): IClientOptions => ({
    clientId,
    clean: false,
    keepalive: o.keepalive,
    username: o.username,
    password: o.password,
    will: o.will ? { topic: o.will.topic, payload: o.will.payload, qos: o.will.qos, retain: false } : undefined,
    protocolVersion: 4,
    reconnectPeriod: 0,
    manualConnect: true,
    queueQoSZero: true,
    resubscribe: false,
    connectTimeout: 30_000,
  });

  return {
    connect(callback: OnConnect, options?: ConnectOptions): void {
      if (typeof callback !== 'function') throw new TypeError('on_connect must be callable');
      const resolved = resolveConnectOptions(options);
      if (state !== 'idle' && state !== 'disconnected') throw new MqttError(MqttErrorCode.FAILURE, 'already connecting or connected');
      onConnect = callback;
      if (clientId === '') {
        // Paho (the engine the SDK's codes come from) refuses a persistent session without a
        // client id before connecting: a persistence error, and nothing to retry.
        state = 'disconnected';
        deps.setTimeout(() => onConnect?.(MqttErrorCode.PERSISTENCE_ERROR, {}), 0);
        return;
      }
      state = 'connecting';
      attemptRc = undefined;
      engine = deps.engine(brokerUrl, engineOptions(resolved), tlsOf(resolved));
      engine.on('error', () => undefined); // reported through on_connect, never thrown
      wire(engine);
      engine.connect();
      for (const queued of beforeConnect.splice(0)) queued();
    },

    publish(topic: string, message: MqttMessage, qos: number): number {
      if (typeof topic !== 'string' || topic.length === 0 || hasWildcard(topic)) throw new TypeError('topic must be a non-empty str without wildcards');
      if (qos !== 0 && qos !== 1 && qos !== 2) throw new TypeError('qos must be 0, 1 or 2');
      const payload = messageBytes(message, 'message');
      if (pending >= deps.maxPending) throw new MqttError(MqttErrorCode.MAX_MESSAGES_INFLIGHT);
      const id = mid();
      pending++;
      const send = (): void => {
        (engine as MqttClient).publish(topic, payload, { qos: qos as 0 | 1 | 2, retain: false }, (error) => {
          pending--;
          // Never inside publish() itself (MQTT.js calls back at once for QoS 0): an app's
          // callback must not run in the middle of its own call, as on the board.
          queueMicrotask(() => onPublish?.(id, error ? MqttErrorCode.DISCONNECTED : MqttErrorCode.SUCCESS));
        });
      };
      if (engine) send();
      else beforeConnect.push(send);
      return id;
    },

    subscribe(topics: [string, number] | [string, number][]): number {
      // A tuple is [topic, qos]; a list holds tuples. Told apart by the first element.
      const list = Array.isArray(topics) && topics.length === 2 && !Array.isArray(topics[0]) ? [topics as [string, number]] : topics;
      if (!Array.isArray(list) || list.length === 0) throw new TypeError('topics must be a (topic, qos) tuple or a list of them');
      const wanted: Record<string, { qos: 0 | 1 | 2 }> = {};
      for (const entry of list as unknown[]) {
        if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('each subscription must be a (topic, qos) tuple');
        const [topic, qos] = entry as [unknown, unknown];
        if (typeof topic !== 'string' || topic.length === 0) return MqttErrorCode.NULL_PARAMETER;
        if (qos !== 0 && qos !== 1 && qos !== 2) return MqttErrorCode.BAD_QOS;
        wanted[topic] = { qos };
      }
      if (state !== 'connected' || !engine) return MqttErrorCode.DISCONNECTED;
      const id = mid();
      engine.subscribe(wanted, (error, granted) => {
        if (error && !granted) return onSubscribe?.(id, Object.keys(wanted).map(() => 0x80));
        onSubscribe?.(id, (granted ?? []).map((g) => g.qos));
      });
      return id;
    },

    on_message(callback) {
      onMessage = callback;
    },
    on_subscribe(callback) {
      onSubscribe = callback;
    },
    on_publish(callback) {
      onPublish = callback;
    },

    disconnect(): void {
      if (state === 'idle' || state === 'disconnected') return;
      state = 'disconnected';
      if (retryTimer !== undefined) deps.clearTimeout(retryTimer);
      engine?.end();
    },

    halt(): void {
      state = 'disconnected';
      if (retryTimer !== undefined) deps.clearTimeout(retryTimer);
      onConnect = onMessage = onSubscribe = onPublish = undefined;
      // Its listeners stay: ours are inert now (state, callbacks), and MQTT.js clears its own
      // timers (the 30 s CONNACK timer among them) in a 'close' listener of its own, which
      // removeAllListeners() took away, keeping a powered-off board's process alive.
      engine?.on('error', () => undefined);
      engine?.end(true);
    },
  };
}
