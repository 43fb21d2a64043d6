import { Subject, type Observable } from 'rxjs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { ByteLine } from '../../streams/link/link-over-line.js';
import { DEFAULT_MAX_PACKET_BYTES } from '../../streams/link/defaults.js';
import type { LinkTuning } from './board-connections.js';
import type { BoardEvent } from './board-events.js';
import { createBoardMqttClients } from './board-mqtt-clients.js';
import type { TlsMaterial } from '../../streams/link/tls-items.js';
import type { BoardTransport } from './board-transport.js';
import { failedStream } from './connection-stream.js';
import { createFramedTransport } from './framed-transport.js';
import { gateLine } from './line-gate.js';
import { createRawTransport } from './raw-transport.js';

export type { BoardEvent, ConnectionCloser } from './board-events.js';
export type { LinkTuning } from './board-connections.js';
export { LinkConnectionError } from './link-connection-error.js';

export type BoardMode = 'framed' | 'raw';

export interface VirtualBoardOptions {
  /** The board's end of its serial line. */
  line: ByteLine;
  /** framed: the link protocol, any number of connections; raw: the line is one MQTT connection. */
  mode: BoardMode;
  id?: string;
  firmware?: string;
  /** Largest frame payload the board accepts (framed). Default 256. */
  mtu?: number;
  /** Frames the board can hold (framed). Default 4. */
  window?: number;
  /** Largest MQTT packet accepted from the host or written by a client. Default 16 MiB. */
  maxPacketBytes?: number;
  /** Link timers and the like (framed), e.g. a fixed epoch or faster timers in tests. */
  link?: LinkTuning;
}

export interface VirtualBoard {
  readonly id: string;
  readonly mode: BoardMode;
  /** Link, connection and console events; completes once the board stopped. */
  readonly events$: Observable<BoardEvent>;
  /**
   * An MQTT.js client of the board's program, connected through the board's line. Framed: each
   * (re)connection opens a link connection to `brokerUrl`, which the host resolves. Raw: the line
   * is the connection (`brokerUrl` is only reported), and only one client may exist at a time.
   */
  connect(brokerUrl: string, options?: IClientOptions, tls?: TlsMaterial): MqttClient;
  /** The board's program prints a line (LOG channel when framed). */
  log(text: string): void;
  /** Orderly shutdown: clients end (DISCONNECT), connections close (CLOSE), the link stops. */
  close(): Promise<void>;
  /** Power cut: nothing more is written to the line, connections are dropped without a word. */
  cut(): void;
}

// How long close() lets clients finish their exchanges, and the link its transmissions.
const CLOSE_GRACE_MS = 2000;

/** A board running MQTT.js clients over its serial line, for tests and demos without hardware. */
export function createVirtualBoard(options: VirtualBoardOptions): VirtualBoard {
  const id = options.id ?? 'virtual-dl7450';
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const events = new Subject<BoardEvent>();
  const emit = (event: BoardEvent): void => events.next(event);
  const gate = gateLine(options.line);
  const transport: BoardTransport =
    options.mode === 'raw'
      ? createRawTransport(gate.line, emit)
      : createFramedTransport({
          line: gate.line,
          id,
          firmware: options.firmware ?? 'virtual-0.1',
          mtu: options.mtu ?? 256,
          window: options.window ?? 4,
          maxPacketBytes,
          link: options.link,
          emit,
        });
  const clients = createBoardMqttClients();
  let state: 'running' | 'closing' | 'stopped' = 'running';
  let closing: Promise<void> | undefined;

  const stopped = (how: 'close' | 'cut'): void => {
    if (state === 'stopped') return;
    state = 'stopped';
    emit({ type: 'stopped', how });
    events.complete();
  };
  const stoppedError = (): Error => Object.assign(new Error(`board ${id} is stopped`), { code: 'EBOARD_STOPPED' });

  return {
    id,
    mode: options.mode,
    events$: events.asObservable(),
    connect(brokerUrl, clientOptions = {}, tls) {
      if (state !== 'running') throw new Error(`board ${id} is ${state}: it opens no new connections`);
      if (options.mode === 'raw' && clients.live.size > 0) {
        throw new Error(`board ${id} is in raw mode: its line carries one MQTT connection and a client holds it; end that client first`);
      }
      return clients.create(() => (state === 'stopped' ? failedStream(stoppedError()) : transport.openStream(brokerUrl, tls)), clientOptions);
    },
    log(text) {
      if (state !== 'stopped') transport.log(text);
    },
    close() {
      closing ??= (async () => {
        if (state !== 'running') return;
        state = 'closing';
        await clients.endAll(CLOSE_GRACE_MS);
        await transport.drained(CLOSE_GRACE_MS);
        transport.stop();
        stopped('close');
      })();
      return closing;
    },
    cut() {
      if (state === 'stopped') return;
      gate.cut();
      transport.stop();
      clients.abandonAll();
      stopped('cut');
    },
  };
}
