import mqtt from 'mqtt-packet';
import { filter, map, merge, Subject, tap, VirtualTimeScheduler, type Observable, type OperatorFunction } from 'rxjs';
import { deframe, type DeframeEvent } from '../streams/framing/deframe.js';
import { encodeFrame } from '../streams/framing/frame.js';
import { linkEndpoint, type LinkCommand, type LinkOutput } from '../streams/link/link-endpoint.js';
import { decodeCtrl, encodeCtrl } from '../streams/link/ctrl-codec.js';
import { Channel, FLAGS_WHOLE, Role } from '../streams/link/protocol.js';
import { HOST_MTU } from '../streams/link/defaults.js';
import { fragmentMqtt } from '../streams/mqtt/mqtt-fragment.js';
import { reassembleMqtt, type MqttChannelFrame, type MqttMessage } from '../streams/mqtt/mqtt-reassemble.js';
import { parseMqtt } from '../streams/mqtt/mqtt-parse.js';

// Decode + parse throughput of the framed pipeline against mqtt-packet's bare parser fed the
// same PUBLISH packets as a plain byte stream, both in reads of the same size, both from fresh
// buffers (as a serial port delivers them), in alternating rounds so both see the same machine.

export interface Rate {
  pps: number;
  mbps: number;
}

export interface DecodeResult {
  workload: string;
  packetBytes: number;
  chunkBytes: number;
  packets: number;
  bare: Rate;
  /** bytes -> deframe -> reassemble -> parse: the operators of the decode path. */
  decode: Rate;
  /** The same with the reliable link endpoint in between, as a board session runs it. */
  link: Rate;
  decodeRatio: number;
  linkRatio: number;
  /** decode + parse with the bridge's PUBLISH fast path instead of mqtt-packet, over bare mqtt-packet. */
  fastRatio: number;
  /** Wire bytes per frame beyond the MQTT packet: delimiters, COBS, header, connection id, CRC. */
  overheadPerFrame: number;
  overheadLimit: number;
}

function publish(totalBytes: number, binary: boolean, i: number): Buffer {
  const topic = 'bench/dl7450/t';
  const lenBytes = totalBytes > 129 ? 2 : 1;
  const payloadBytes = totalBytes - 1 - lenBytes - 2 - topic.length - 2; // QoS 1: packet id
  const payload = Buffer.alloc(payloadBytes);
  for (let k = 0; k < payloadBytes; k++) payload[k] = binary ? (k * 131 + i * 7) & 0xff : 0x41 + ((k + i) % 26);
  const packet = mqtt.generate({ cmd: 'publish', topic, payload, qos: 1, messageId: (i % 65535) + 1, retain: false, dup: false });
  if (packet.length !== totalBytes) throw new Error(`bench packet is ${packet.length} bytes, wanted ${totalBytes}`);
  return packet;
}

const split = (buf: Buffer, size: number): Buffer[] => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

// A read is what the tty driver hands over: a view of its read slab, which the kernel has
// just written, so its bytes are in cache, and which lies right after the read before it
// (drivers/tty/native/tty-io.c). Reads copied long before, megabytes earlier, would make every
// stage that reads the bytes (the deframer must; the bare parser skips payloads) wait on
// memory no live read waits on. So each group of reads is copied into one fresh buffer just
// before it is timed, and handed over as consecutive views of it.
const GROUP_BYTES = 128 * 1024;

/** Packets per second of one run over fresh copies of the chunks, made group by group. */
function rate(chunks: Buffer[], expect: number, build: () => { feed(c: Buffer): void; count(): number; close(): void }): number {
  const pipe = build();
  const perGroup = Math.max(1, Math.floor(GROUP_BYTES / chunks[0].length));
  let elapsed = 0n;
  for (let g = 0; g < chunks.length; g += perGroup) {
    const group = chunks.slice(g, g + perGroup);
    const slab = Buffer.concat(group);
    let at = 0;
    const copies = group.map((c) => slab.subarray(at, (at += c.length)));
    const t0 = process.hrtime.bigint();
    for (const c of copies) pipe.feed(c);
    elapsed += process.hrtime.bigint() - t0;
  }
  const seconds = Number(elapsed) / 1e9;
  if (pipe.count() !== expect) throw new Error(`parsed ${pipe.count()} of ${expect} packets`);
  pipe.close();
  return expect / seconds;
}

function bare() {
  const parser = mqtt.parser({ protocolVersion: 4 });
  let n = 0;
  parser.on('packet', () => n++);
  return { feed: (c: Buffer) => parser.parse(c), count: () => n, close: () => undefined };
}

// The target rows leave every packet to mqtt-packet, so that they compare framing against the
// bare parser alone; the bridge's PUBLISH fast path (mqtt-fast-parse.ts) is a row of its own.
const mqttPackets = (fastPath: boolean): OperatorFunction<MqttChannelFrame, unknown> => (frames) =>
  frames.pipe(
    reassembleMqtt({ maxPacketBytes: 1 << 20 }),
    filter((m): m is Extract<MqttMessage, { type: 'packet' }> => m.type === 'packet'),
    parseMqtt({ protocolVersion: 4, fastPath }),
    filter((p) => (p as { type: string }).type === 'packet'),
  );

function counted(source: Subject<Buffer>, out: Observable<unknown>) {
  let n = 0;
  const sub = out.subscribe(() => n++);
  return { feed: (c: Buffer) => source.next(c), count: () => n, close: () => sub.unsubscribe() };
}

function decodePath(fastPath = false) {
  const bytes = new Subject<Buffer>();
  const out = bytes.pipe(
    deframe({ maxPayload: HOST_MTU, ownsChunks: true }),
    filter((e): e is Extract<DeframeEvent, { type: 'frame' }> => e.type === 'frame'),
    map((e) => e.frame),
    mqttPackets(fastPath),
  );
  return counted(bytes, out);
}

/** A host endpoint brought up by a scripted board HELLO, composed as a board session is. */
function linkPath() {
  const bytes = new Subject<Buffer>();
  const commands = new Subject<LinkCommand>();
  let hostNonce = 0;
  const out = merge(bytes.pipe(deframe({ maxPayload: HOST_MTU, ownsChunks: true })), commands).pipe(
    linkEndpoint({ role: Role.HOST, id: 'bench', firmware: 'b', mtu: HOST_MTU, window: 32, scheduler: new VirtualTimeScheduler() }),
    tap((o) => {
      if (o.type === 'tx' && hostNonce === 0 && o.frame.channel === Channel.CTRL) {
        const h = decodeCtrl(o.frame.payload);
        if (typeof h !== 'string' && h.type === 'hello') hostNonce = h.nonce;
      }
    }),
    filter((o): o is Extract<LinkOutput, { type: 'deliver' }> => o.type === 'deliver' && o.channel === Channel.MQTT),
    mqttPackets(false),
  );
  const pipe = counted(bytes, out);
  const hello = encodeCtrl({ type: 'hello', linkVersion: 1, role: Role.BOARD, synced: false, epoch: 1, nonce: 99, echo: hostNonce, mtu: 256, window: 8, id: 'board', firmware: 'f' });
  bytes.next(encodeFrame({ channel: Channel.CTRL, flags: FLAGS_WHOLE, seq: 0, ack: 0, credit: 8, payload: hello }));
  return pipe;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function benchFramedDecode(packetBytes: number, binary: boolean, chunkBytes: number, packets: number, rounds: number): DecodeResult {
  const list = Array.from({ length: packets }, (_, i) => publish(packetBytes, binary, i));
  const raw = split(Buffer.concat(list), chunkBytes);
  let frames = 0;
  const wire = Buffer.concat(
    list.flatMap((p) =>
      fragmentMqtt(1, p, HOST_MTU).map((f) => encodeFrame({ channel: Channel.MQTT, flags: f.flags, seq: frames++ & 0xff, ack: 0, credit: 8, payload: f.payload })),
    ),
  );
  const framed = split(wire, chunkBytes);
  const bareRates: number[] = [];
  const decodeRatios: number[] = [];
  const linkRatios: number[] = [];
  const decodeRates: number[] = [];
  const linkRates: number[] = [];
  const fastRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const b = rate(raw, packets, bare);
    const d = rate(framed, packets, decodePath);
    const l = rate(framed, packets, linkPath);
    fastRatios.push(rate(framed, packets, () => decodePath(true)) / b);
    bareRates.push(b);
    decodeRates.push(d);
    linkRates.push(l);
    decodeRatios.push(d / b);
    linkRatios.push(l / b);
  }
  const asRate = (pps: number): Rate => ({ pps, mbps: (pps * packetBytes) / 1e6 });
  return {
    workload: `${packetBytes} B PUBLISH, ${binary ? 'binary' : 'text'} payload`,
    packetBytes,
    chunkBytes,
    packets,
    bare: asRate(median(bareRates)),
    decode: asRate(median(decodeRates)),
    link: asRate(median(linkRates)),
    decodeRatio: median(decodeRatios),
    linkRatio: median(linkRatios),
    fastRatio: median(fastRatios),
    overheadPerFrame: (wire.length - packets * packetBytes) / frames,
    overheadLimit: 12 + 0.01 * (packetBytes + 1),
  };
}
