// A stand-in for the board's `mqtt` module: validates arguments and raises TypeError / MqttError as
// the SDK documents (../shared/dl7450-sdk-mqtt.md), records every call, and lets a test fire the
// callbacks the real module would fire on broker traffic.
import type {
  ConnectOptions,
  Dl7450MqttClient,
  Dl7450MqttModule,
  OnConnect,
  OnMessage,
  OnPublish,
  OnSubscribe,
} from '../../dl7450/mqtt-module-types.js';
import { createMailbox, type Mailbox } from '../../test-support/mailbox.js';

const DESCRIPTIONS: Record<number, string> = {
  0: 'no error',
  [-1]: 'generic error',
  [-2]: 'persistence error',
  [-3]: 'client disconnected',
  [-4]: 'max in-flight messages reached',
  [-5]: 'invalid UTF-8 string',
  [-6]: 'invalid None value',
  [-9]: 'invalid QoS',
  [-10]: 'no more message ids',
  [-14]: 'bad protocol in URL',
};

const describe = (errno: number): string => DESCRIPTIONS[errno] ?? `unknown error ${errno}`;

export class FakeMqttError extends Error {
  readonly errno: number;
  readonly args: [number, string];
  constructor(errno: number) {
    super(describe(errno));
    this.name = 'MqttError';
    this.errno = errno;
    this.args = [errno, describe(errno)];
  }
}

export interface FakeCall {
  /** Index of the client in `clients`; -1 for module-level calls. */
  client: number;
  method: string;
  args: unknown[];
}

export interface FakeMqttClient extends Dl7450MqttClient {
  readonly index: number;
  readonly url: string;
  readonly clientId: string;
  /** The options of the last connect(). */
  readonly options: ConnectOptions | undefined;
  fireConnect(rc: number, flags?: Record<string, unknown>): void;
  fireMessage(topic: string, message: string | Uint8Array): void;
  fireSubscribe(mid: number, grantedQos: number[]): void;
  firePublish(mid: number, rc: number): void;
}

export interface FakeMqttModule extends Dl7450MqttModule {
  readonly clients: readonly FakeMqttClient[];
  /** Every call, in order; take() the ones a test expects (waiting if need be). */
  readonly calls: Mailbox<FakeCall>;
  /** Every call, in order, never consumed. */
  readonly history: readonly FakeCall[];
  /** The next call of `method` (on any client) throws `error` instead of doing anything. */
  failNext(method: string, error: Error): void;
}

const OPTION_KEYS = new Set([
  'keep_alive',
  'username',
  'password',
  'will_topic',
  'will_qos',
  'will_message',
  'trust_store',
  'private_key',
  'key_store',
]);
const URL_PATTERN = /^(tcp|mqtt|ssl|mqtts|ws|wss):\/\/[^:/\s]+(:\d+)?\/?$/;

export function createFakeMqttModule(): FakeMqttModule {
  const clients: FakeMqttClient[] = [];
  const calls = createMailbox<FakeCall>();
  const history: FakeCall[] = [];
  const failures = new Map<string, Error>();
  let nextMid = 1;

  function record(client: number, method: string, args: unknown[]): void {
    const call = { client, method, args };
    history.push(call);
    calls.put(call);
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      throw failure;
    }
  }

  function mid(): number {
    const value = nextMid;
    nextMid = (nextMid % 65535) + 1;
    return value;
  }

  class Client implements FakeMqttClient {
    readonly index: number;
    options: ConnectOptions | undefined;
    private onConnect: OnConnect | undefined;
    private onMessage: OnMessage | undefined;
    private onSubscribe: OnSubscribe | undefined;
    private onPublish: OnPublish | undefined;

    constructor(
      readonly url: string,
      readonly clientId: string,
    ) {
      if (typeof url !== 'string') throw new TypeError('broker_url must be a str');
      if (typeof clientId !== 'string' || clientId === '') throw new TypeError('client_id must be a non-empty str');
      if (!URL_PATTERN.test(url)) throw new FakeMqttError(-14);
      this.index = clients.length;
      record(this.index, 'MqttClient', [url, clientId]);
      clients.push(this);
    }

    connect(onConnect: OnConnect, options?: ConnectOptions): void {
      record(this.index, 'connect', options === undefined ? [] : [options]);
      if (typeof onConnect !== 'function') throw new TypeError('on_connect must be callable');
      if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('options must be a dict');
      for (const key of Object.keys(options ?? {})) {
        if (!OPTION_KEYS.has(key)) throw new TypeError(`unrecognised connect option '${key}'`);
      }
      if (options?.password !== undefined && options.username === undefined) throw new TypeError('password given without username');
      this.onConnect = onConnect;
      this.options = options;
    }

    publish(topic: string, message: unknown, qos: number): number {
      record(this.index, 'publish', [topic, message, qos]);
      if (typeof topic !== 'string' || topic === '') throw new TypeError('topic must be a non-empty str');
      if (qos !== 0 && qos !== 1 && qos !== 2) throw new TypeError('qos must be 0, 1 or 2');
      if (message != null && typeof message !== 'string' && !(message instanceof Uint8Array)) {
        throw new TypeError('message must be str, bytes, bytearray or None');
      }
      return mid();
    }

    subscribe(topics: [string, number] | [string, number][]): number {
      record(this.index, 'subscribe', [topics]);
      const list = Array.isArray(topics) && Array.isArray(topics[0]) ? (topics as unknown[]) : [topics];
      for (const pair of list) {
        if (!Array.isArray(pair) || typeof pair[0] !== 'string' || ![0, 1, 2].includes(pair[1] as number)) {
          throw new TypeError('topics must be a (topic, qos) tuple or a list of them');
        }
      }
      return mid();
    }

    on_message(callback: OnMessage): void {
      record(this.index, 'on_message', []);
      this.onMessage = requireFunction(callback);
    }

    on_subscribe(callback: OnSubscribe): void {
      record(this.index, 'on_subscribe', []);
      this.onSubscribe = requireFunction(callback);
    }

    on_publish(callback: OnPublish): void {
      record(this.index, 'on_publish', []);
      this.onPublish = requireFunction(callback);
    }

    disconnect(): void {
      record(this.index, 'disconnect', []);
    }

    fireConnect(rc: number, flags: Record<string, unknown> = {}): void {
      if (!this.onConnect) throw new Error(`fake client ${this.index}: fireConnect before connect()`);
      this.onConnect(rc, flags);
    }

    fireMessage(topic: string, message: string | Uint8Array): void {
      if (!this.onMessage) throw new Error(`fake client ${this.index}: fireMessage before on_message()`);
      this.onMessage(topic, typeof message === 'string' ? new TextEncoder().encode(message) : message);
    }

    fireSubscribe(mid: number, grantedQos: number[]): void {
      if (!this.onSubscribe) throw new Error(`fake client ${this.index}: fireSubscribe before on_subscribe()`);
      this.onSubscribe(mid, grantedQos);
    }

    firePublish(mid: number, rc: number): void {
      if (!this.onPublish) throw new Error(`fake client ${this.index}: firePublish before on_publish()`);
      this.onPublish(mid, rc);
    }
  }

  return {
    QOS0: 0,
    QOS1: 1,
    QOS2: 2,
    MqttClient: Client,
    MqttError: FakeMqttError,
    ErrorDescription(errno: number): string {
      record(-1, 'ErrorDescription', [errno]);
      if (typeof errno !== 'number' || !Number.isInteger(errno)) throw new TypeError('errno must be an int');
      return describe(errno);
    },
    clients,
    calls,
    history,
    failNext(method, error) {
      failures.set(method, error);
    },
  };
}

function requireFunction<T>(callback: T): T {
  if (typeof callback !== 'function') throw new TypeError('callback must be callable');
  return callback;
}
