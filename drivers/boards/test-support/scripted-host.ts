import { filter, Subject, type Subscription } from 'rxjs';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { linkOverLine, type ByteLine, type LinkOverLineOptions } from '../../../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../../../streams/link/link-endpoint.js';
import { decodeCtrl, encodeCtrl, type CtrlMessage } from '../../../streams/link/ctrl-codec.js';
import { Channel, Role } from '../../../streams/link/protocol.js';
import { reassembleMqtt, type MqttChannelFrame } from '../../../streams/mqtt/mqtt-reassemble.js';
import { createMailbox } from './mailbox.js';

export interface ReceivedPacket {
  connId: number;
  bytes: Buffer;
  packet: Packet;
}

/** What the host received, in order: CTRL messages, MQTT packets and LOG text. */
export type HostReceived = { kind: 'ctrl'; msg: CtrlMessage } | ({ kind: 'packet' } & ReceivedPacket) | { kind: 'log'; text: string };

export interface ScriptedHost {
  /** Everything received, in arrival order (never consumed). */
  readonly received: readonly HostReceived[];
  /** Every link output, in order (never consumed). */
  readonly outputs: readonly LinkOutput[];
  /** Takes the next link output of this type (up, down, stats, ...). */
  next<T extends LinkOutput['type']>(type: T, match?: (out: Extract<LinkOutput, { type: T }>) => boolean): Promise<Extract<LinkOutput, { type: T }>>;
  /** Takes the next CTRL message of this type. */
  ctrl<T extends CtrlMessage['type']>(type: T, match?: (msg: Extract<CtrlMessage, { type: T }>) => boolean): Promise<Extract<CtrlMessage, { type: T }>>;
  /** Takes the next MQTT packet (of this connection). */
  packet(connId?: number): Promise<ReceivedPacket>;
  /** Takes the next LOG text. */
  log(): Promise<string>;
  /** MQTT packets received and not taken yet. */
  pendingPackets(): readonly ReceivedPacket[];
  sendCtrl(msg: CtrlMessage): void;
  sendLog(text: string): void;
  /** An MQTT packet to the board on `connId`, as an mqtt-packet object or as bytes. */
  send(connId: number, packet: Packet | Buffer): void;
  /** The host resets the link (new HELLO): every connection ends. */
  reset(): void;
  stop(): void;
}

/**
 * The host side of a board's link, driven step by step from a test: a real link endpoint (role
 * HOST) on the line, with CTRL messages and reassembled, parsed MQTT packets handed out in order.
 */
export function startScriptedHost(line: ByteLine, options: Partial<LinkOverLineOptions> = {}): ScriptedHost {
  const commands = new Subject<LinkCommand>();
  const outputs: LinkOutput[] = [];
  const received: HostReceived[] = [];
  const linkBox = createMailbox<LinkOutput>();
  const ctrlBox = createMailbox<CtrlMessage>();
  const packetBox = createMailbox<ReceivedPacket>();
  const logBox = createMailbox<string>();
  const versions = new Map<number, number>(); // per connection, from its CONNECT
  const mqttIn = new Subject<MqttChannelFrame>();
  const subs: Subscription[] = [];

  subs.push(
    mqttIn.pipe(reassembleMqtt({ maxPacketBytes: 16 * 1024 * 1024 })).subscribe((m) => {
      if (m.type === 'error') throw new Error(`host reassembly failed on connection ${m.connId}: ${m.error}: ${m.detail}`);
      const packet = parsePacket(m.bytes, versions.get(m.connId) ?? 4);
      if (packet.cmd === 'connect') versions.set(m.connId, packet.protocolVersion ?? 4);
      const item = { connId: m.connId, bytes: Buffer.from(m.bytes), packet };
      received.push({ kind: 'packet', ...item });
      packetBox.put(item);
    }),
  );

  const onOutput = (out: LinkOutput): void => {
    outputs.push(out);
    if (out.type === 'down') versions.clear();
    if (out.type !== 'deliver') return linkBox.put(out);
    if (out.channel === Channel.MQTT) return mqttIn.next({ flags: out.flags, payload: out.payload });
    if (out.channel === Channel.LOG) {
      const text = out.payload.toString('utf8');
      received.push({ kind: 'log', text });
      return logBox.put(text);
    }
    if (out.channel !== Channel.CTRL) return;
    const msg = decodeCtrl(out.payload);
    if (typeof msg === 'string') throw new Error(`host got a bad CTRL message: ${msg}`);
    received.push({ kind: 'ctrl', msg });
    ctrlBox.put(msg);
  };

  subs.push(
    linkOverLine(line, commands, { role: Role.HOST, id: 'scripted-host', firmware: 'test', mtu: 256, window: 8, ...options })
      .pipe(filter((out) => out.type !== 'tx' || out.frame.channel !== Channel.ACK))
      .subscribe(onOutput),
  );

  return {
    received,
    outputs,
    next: (type, match) => linkBox.take((o) => o.type === type && (match?.(o as never) ?? true), `link output ${type}`) as never,
    ctrl: (type, match) => ctrlBox.take((m) => m.type === type && (match?.(m as never) ?? true), `CTRL ${type}`) as never,
    packet: (connId) => packetBox.take((p) => connId === undefined || p.connId === connId, `MQTT packet${connId === undefined ? '' : ` on connection ${connId}`}`),
    log: () => logBox.take(() => true, 'LOG text'),
    pendingPackets: () => packetBox.pending(),
    sendCtrl: (msg) => commands.next({ type: 'send', channel: Channel.CTRL, payload: encodeCtrl(msg) }),
    sendLog: (text) => commands.next({ type: 'send', channel: Channel.LOG, payload: Buffer.from(text, 'utf8') }),
    send(connId, packet) {
      const bytes = Buffer.isBuffer(packet) ? packet : mqttPacket.generate(packet, { protocolVersion: versions.get(connId) ?? 4 });
      commands.next({ type: 'send-mqtt', connId, packet: bytes });
    },
    reset: () => commands.next({ type: 'reset', detail: 'scripted host reset' }),
    stop() {
      commands.complete();
      for (const sub of subs) sub.unsubscribe();
    },
  };
}

/** One whole packet's bytes -> the mqtt-packet object (it must be exactly one valid packet). */
export function parsePacket(bytes: Buffer, protocolVersion = 4): Packet {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  let error: Error | undefined;
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => (error = e));
  const left = parser.parse(bytes);
  if (error !== undefined) throw error;
  if (packets.length !== 1 || left !== 0) throw new Error(`expected exactly one MQTT packet in ${bytes.length} bytes, got ${packets.length} (+${left} bytes)`);
  return packets[0];
}
