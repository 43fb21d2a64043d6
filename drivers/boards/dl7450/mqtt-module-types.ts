// The DL-7450 SDK's `mqtt` module, as a board app sees it (docs: ../shared/dl7450-sdk-mqtt.md,
// docs/dl7450-mqtt-behaviour.md). The TypeScript shape mirrors the Python one so that the
// MicroPython runtime can expose it unchanged: `from mqtt import MqttClient` works the same.

/** bytes-like in Python: str is encoded as UTF-8; None is allowed where the SDK allows it. */
export type MqttMessage = string | Uint8Array | null | undefined;

/** connect() options; every key optional, any other key is a TypeError. */
export interface ConnectOptions {
  keep_alive?: number;
  username?: string;
  password?: string | Uint8Array;
  will_topic?: string;
  will_qos?: number;
  will_message?: MqttMessage;
  trust_store?: string | Uint8Array;
  private_key?: string | Uint8Array;
  key_store?: string | Uint8Array;
}

export type OnConnect = (rc: number, flags: Record<string, unknown>) => void;
export type OnMessage = (topic: string, message: Uint8Array) => void;
export type OnSubscribe = (mid: number, grantedQos: number[]) => void;
/** Our documented choice (the SDK names on_publish without a signature): rc 0 = delivered, < 0 = MqttError code. */
export type OnPublish = (mid: number, rc: number) => void;

export interface Dl7450MqttClient {
  connect(onConnect: OnConnect, options?: ConnectOptions): void;
  /** Returns the message id; raises TypeError / MqttError as documented. */
  publish(topic: string, message: MqttMessage, qos: number): number;
  /** One [topic, qos] pair or a list of them; a positive mid, or a negative MqttError code. */
  subscribe(topics: [string, number] | [string, number][]): number;
  on_message(callback: OnMessage): void;
  on_subscribe(callback: OnSubscribe): void;
  on_publish(callback: OnPublish): void;
  /** Not in the SDK text (it documents none): ends the connection cleanly, stops reconnecting. */
  disconnect(): void;
}

export interface Dl7450MqttModule {
  readonly QOS0: 0;
  readonly QOS1: 1;
  readonly QOS2: 2;
  MqttClient: new (brokerUrl: string, clientId: string) => Dl7450MqttClient;
  ErrorDescription(errno: number): string;
  /** Class of the errors the module raises: `.errno`, `.args = [errno, text]`. */
  MqttError: new (errno: number) => Error & { errno: number; args: [number, string] };
}
