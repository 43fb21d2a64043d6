import type { BrokerUrl } from '../broker/broker-url.js';
import type { LINK_MODES, LOG_LEVELS } from './config-defaults.js';
import type { CutProfile } from '../session/cut-profile.js';
import type { PowerSpec } from '../../drivers/power/power-from-spec.js';
import type { BoardTls } from './board-tls.js';
import type { AzureConfig } from './azure-schema.js';

export type LinkMode = (typeof LINK_MODES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The in-process Aedes broker, or a real one. */
export type BrokerTarget = 'embedded' | BrokerUrl;

/** What `defaults:` may set, and every board ends up with. */
export interface BoardSettings {
  /** framed: the link protocol; raw: the line carries plain MQTT bytes. */
  link: LinkMode;
  baudRate: number;
  /** Largest MQTT packet accepted from the board, fixed header included. */
  maxPacketBytes: number;
  /** Bytes queued toward one board before the broker socket is paused. */
  queueBytes: number;
  /** A half-received packet older than this ends the session. */
  stallTimeoutMs: number;
  /** Broker connect timeout (DNS included). */
  connectTimeoutMs: number;
  /**
   * listen:// links: an accepted connection that sends no HELLO (framed) or CONNECT (raw) within
   * this is closed, so a port scan or a stray client does not hold a session for good.
   */
  helloTimeoutMs: number;
  /** What the broker sees when the board dies (bridge/session/cut-profile.ts). */
  cutProfile: CutProfile;
  /** Keep CONNECT passwords in timing captures (profile traces, pcapng); redacted by default. */
  captureSecrets: boolean;
}

/** One board, every setting resolved: explicit, else `defaults:`, else built in. */
export interface BoardConfig extends BoardSettings {
  name: string;
  /** Link spec: a tty path, serial:..., pty:..., tcp://host:port or listen://host:port. */
  port: string;
  /** Where this board's connections go, whatever URL the board asks for. */
  broker: BrokerTarget;
  /** How its power is switched (drivers/power); { driver: 'none' } when not given. */
  power: PowerSpec;
  /** TLS toward its broker (ssl, mqtts, wss), secrets read at load; absent: no `tls:` given. */
  tls?: BoardTls;
  /** The Azure IoT Hub device it is (docs/azure-iot-hub.md); its CONNECT is rewritten to match. */
  azure?: AzureConfig;
}

export interface BridgeConfig {
  /** The file it came from, or "command line". */
  source: string;
  broker: BrokerTarget;
  log: { level: LogLevel };
  /** Where GET /metrics is served, `[host:]port` (bridge/metrics); absent: not served. */
  metrics?: string;
  boards: BoardConfig[];
}
