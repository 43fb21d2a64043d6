import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcapPacketsFromTrace, writePcapng, writePcapngFile, type PcapPacket } from './pcapng-writer.js';
import { internetChecksum, MAX_SEGMENT, SyntheticTcpConnection, tcpChecksum } from './synthetic-tcp.js';
import type { TracePacket, TraceRecord } from './trace-format.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcapng-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** tshark's stdout (its stderr carries a "Running as user root" warning, ignored). */
async function tshark(args: string[]): Promise<string> {
  try {
    // An empty config dir keeps the user's Wireshark preferences out of the results.
    const env = { ...process.env, WIRESHARK_CONFIG_DIR: join(dir, 'wireshark-config') };
    const { stdout } = await run('tshark', args, { maxBuffer: 64 << 20, env });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('tshark not found: .ci/run installs it (apt-get install tshark)');
    }
    throw err;
  }
}

const CHECKED = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];

async function fields(file: string, filter: string, names: string[]): Promise<string[][]> {
  const out = await tshark(['-r', file, ...CHECKED, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])]);
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const MSGTYPE: Record<string, number> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, pingreq: 12, pingresp: 13, disconnect: 14,
};

const T0 = 1_700_000_000_123_456_789n;
const bigPayload = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => (i * 7) & 0xff));
const smallPayload = Buffer.from('temperature=21.5');

interface Step { connId: number; dir: PcapPacket['dir']; atNs: number; packet: mqtt.Packet }

/** Two connections (MQTT 3.1.1 and 5), interleaved, in wire (= expected) order. */
function scenario(): Step[] {
  const c1 = (atNs: number, dir: PcapPacket['dir'], packet: object): Step => ({ connId: 1, dir, atNs, packet: packet as mqtt.Packet });
  const c2 = (atNs: number, dir: PcapPacket['dir'], packet: object): Step => ({ connId: 2, dir, atNs, packet: packet as mqtt.Packet });
  const up = 'to-broker', down = 'to-board';
  return [
    c1(1_000_001, up, { cmd: 'connect', protocolVersion: 4, clientId: 'dl7450-a', keepalive: 30, clean: true }),
    c1(1_250_003, down, { cmd: 'connack', returnCode: 0, sessionPresent: false }),
    c2(1_300_007, up, { cmd: 'connect', protocolVersion: 5, clientId: 'dl7450-b', keepalive: 60, clean: true, properties: { sessionExpiryInterval: 0 } }),
    c1(1_400_011, up, { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cmd/#', qos: 2 }] }),
    c2(1_500_013, down, { cmd: 'connack', reasonCode: 0, sessionPresent: false }),
    c1(1_600_017, down, { cmd: 'suback', messageId: 1, granted: [2] }),
    c1(2_000_019, up, { cmd: 'publish', topic: 'tele/a', payload: smallPayload, qos: 0, retain: false, dup: false }),
    // Same instant, same connection: the input order must survive the sort.
    c1(2_000_019, up, { cmd: 'pingreq' }),
    c2(2_100_023, up, { cmd: 'publish', topic: 'bulk/image', payload: bigPayload, qos: 1, messageId: 7, retain: false, dup: false }),
    c1(2_200_029, down, { cmd: 'pingresp' }),
    c2(2_900_031, down, { cmd: 'puback', messageId: 7, reasonCode: 0 }),
    c1(3_000_037, down, { cmd: 'publish', topic: 'cmd/reboot', payload: Buffer.from('now'), qos: 2, messageId: 9, retain: false, dup: false }),
    c1(3_100_041, up, { cmd: 'pubrec', messageId: 9 }),
    c2(3_150_043, up, { cmd: 'pingreq' }),
    c1(3_200_047, down, { cmd: 'pubrel', messageId: 9 }),
    c2(3_250_053, down, { cmd: 'pingresp' }),
    c1(3_300_059, up, { cmd: 'pubcomp', messageId: 9 }),
    c1(3_400_061, up, { cmd: 'publish', topic: 'tele/b', payload: Buffer.from('x'), qos: 1, messageId: 10, retain: false, dup: false }),
    c1(3_500_067, down, { cmd: 'puback', messageId: 10 }),
    c2(4_000_071, up, { cmd: 'disconnect', reasonCode: 0 }),
    c1(4_100_073, up, { cmd: 'disconnect' }),
  ];
}

function toPcapPackets(steps: Step[]): PcapPacket[] {
  return steps.map((s) => ({ connId: s.connId, dir: s.dir, atNs: s.atNs, bytes: mqtt.generate(s.packet, { protocolVersion: s.connId === 2 ? 5 : 4 }) }));
}

/** Nanosecond epoch as tshark prints frame.time_epoch. */
const epoch = (ns: bigint): string => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;

/** Walks the pcapng blocks, checking the framing every block shares. */
function blocks(file: Buffer): { type: number; offset: number; body: Buffer }[] {
  const out = [];
  for (let off = 0; off < file.length; ) {
    const type = file.readUInt32LE(off);
    const total = file.readUInt32LE(off + 4);
    expect(total % 4).toBe(0);
    expect(file.readUInt32LE(off + total - 4)).toBe(total);
    out.push({ type, offset: off, body: file.subarray(off + 8, off + total - 4) });
    off += total;
  }
  return out;
}

describe('writePcapng, read back by tshark', () => {
  const steps = scenario();
  const packets = toPcapPackets(steps);
  // Grouped by connection rather than in time order, as a trace may list them.
  const input = [...packets.filter((p) => p.connId === 1), ...packets.filter((p) => p.connId === 2)];
  let file: string;
  let bytes: Buffer;

  beforeAll(async () => {
    bytes = writePcapng(input, { t0Ns: T0, comment: 'pcapng-writer test' });
    file = join(dir, 'scenario.pcapng');
    await writeFile(file, bytes);
  });

  it('finds tshark', async () => {
    expect(await tshark(['--version'])).toMatch(/TShark/);
  });

  it('decodes every packet as one MQTT message, in time order, at the written nanosecond', async () => {
    const rows = await fields(file, 'mqtt', ['frame.time_epoch', 'mqtt.msgtype', 'tcp.srcport', 'tcp.dstport']);
    expect(rows.map((r) => r[1])).toEqual(steps.map((s) => String(MSGTYPE[s.packet.cmd])));
    expect(rows.map((r) => r[0])).toEqual(steps.map((s) => epoch(T0 + BigInt(s.atNs))));
    for (const [i, r] of rows.entries()) {
      const board = String(40000 + steps[i].connId);
      expect([r[2], r[3]]).toEqual(steps[i].dir === 'to-broker' ? [board, '1883'] : ['1883', board]);
    }
  });

  it('keeps client ids, topics and payloads, including a PUBLISH split over several TCP segments', async () => {
    const connects = await fields(file, 'mqtt.msgtype == 1', ['mqtt.clientid', 'mqtt.ver']);
    expect(connects).toEqual([['dl7450-a', '4'], ['dl7450-b', '5']]);
    const rows = await fields(file, 'mqtt.msgtype == 3', ['mqtt.topic', 'mqtt.msg']);
    expect(rows.map((r) => r[0])).toEqual(['tele/a', 'bulk/image', 'cmd/reboot', 'tele/b']);
    expect(rows[0][1]).toBe(smallPayload.toString('hex'));
    expect(rows[1][1].length / 2).toBe(bigPayload.length);
    expect(rows[1][1]).toBe(bigPayload.toString('hex'));

    const segments = await fields(file, `tcp.srcport == 40002 && tcp.len > 0`, ['ip.len', 'tcp.len']);
    expect(segments.length).toBeGreaterThanOrEqual(Math.ceil(bigPayload.length / MAX_SEGMENT));
    for (const [ipLen, tcpLen] of segments) {
      expect(Number(ipLen)).toBeLessThanOrEqual(0xffff);
      expect(Number(ipLen)).toBe(Number(tcpLen) + 40);
    }
  });

  it('has no malformed packets, expert errors or TCP analysis complaints, and good checksums', async () => {
    const all = await fields(file, 'frame', ['tcp.checksum.status', 'ip.checksum.status']);
    expect(all.length).toBe(2 * 3 + packets.length + Math.ceil(bigPayload.length / MAX_SEGMENT) - 1);
    expect(all.every(([tcp, ip]) => tcp === '1' && ip === '1')).toBe(true); // 1 = Good
    expect(await tshark(['-r', file, ...CHECKED, '-Y', '_ws.malformed || _ws.expert.severity >= error'])).toBe('');
    // Sequence/ack numbers that did not line up would show here (lost/unseen segment, retransmission).
    expect(await tshark(['-r', file, ...CHECKED, '-Y', 'tcp.analysis.flags || _ws.expert.severity >= warning'])).toBe('');
    expect(await fields(file, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', ['tcp.stream'])).toEqual([['0'], ['1']]);
  });

  it('is noticed by tshark when a checksum is wrong (the checks above are not vacuous)', async () => {
    const broken = Buffer.from(bytes);
    const firstData = blocks(broken).filter((b) => b.type === 6)[3]; // after the handshake
    broken[firstData.offset + 28 + 20 + 16] ^= 0xff; // EPB header 28, IPv4 20, TCP checksum at 16
    const bad = join(dir, 'broken.pcapng');
    await writeFile(bad, broken);
    expect(await fields(bad, '_ws.expert.severity >= error', ['frame.number'])).toEqual([['4']]);
  });

  it('frames the blocks as pcapng: SHB, one IDB with ns resolution, then EPBs', async () => {
    const list = blocks(bytes);
    expect(list[0].type).toBe(0x0a0d0d0a);
    expect(list[0].body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    expect(list[1].type).toBe(1);
    expect(list[1].body.readUInt16LE(0)).toBe(101);
    expect(list.slice(2).every((b) => b.type === 6)).toBe(true);
    const info = await tshark(['-r', file, '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.interface_name']);
    expect(info.trim()).toBe(`${epoch(T0 + 1_000_001n)}\tdl7450-bridge broker side`);
  });
});

describe('checksums', () => {
  it('matches the RFC 1071 sum and the textbook IPv4 header example', () => {
    expect(internetChecksum(Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(~0xddf2 & 0xffff);
    expect(internetChecksum(Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex'))).toBe(0xb861);
  });

  /** A second implementation: 32-bit words and BigInt, folded at the end. */
  function referenceTcpChecksum(src: Buffer, dst: Buffer, segment: Buffer): number {
    const data = Buffer.concat([src, dst, Buffer.from([0, 6, segment.length >> 8, segment.length & 0xff]), segment, Buffer.alloc(4)]);
    let sum = 0n;
    for (let i = 0; i + 4 <= data.length; i += 4) sum += BigInt(data.readUInt32BE(i));
    while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
    return Number(~sum & 0xffffn);
  }

  it('agrees with an independent TCP checksum on odd and even lengths, and verifies to zero', () => {
    const src = Buffer.from([127, 0, 0, 2]), dst = Buffer.from([127, 0, 0, 1]);
    for (const len of [20, 21, 33, 1500, 65020]) {
      const seg = Buffer.from(Array.from({ length: len }, (_, i) => (i * 131 + 17) & 0xff));
      seg.writeUInt16BE(0, 16);
      const sum = tcpChecksum(src, dst, seg);
      expect(sum).toBe(referenceTcpChecksum(src, dst, seg));
      seg.writeUInt16BE(sum, 16);
      expect(tcpChecksum(src, dst, seg)).toBe(0);
    }
  });

  it('puts checksums in the synthetic segments that verify', () => {
    const [syn] = new SyntheticTcpConnection(3).segments('to-broker', Buffer.from([0xc0, 0]));
    expect(internetChecksum(syn.subarray(0, 20))).toBe(0);
    expect(tcpChecksum(syn.subarray(12, 16), syn.subarray(16, 20), syn.subarray(20))).toBe(0);
  });

  it('rejects a connection id with no port', () => {
    expect(() => new SyntheticTcpConnection(30000)).toThrow(RangeError);
  });
});

describe('pcapPacketsFromTrace', () => {
  const raw = mqtt.generate({ cmd: 'pingreq' }).toString('base64');
  const pkt = (dir: TracePacket['dir'], stamps: Record<string, number>, conn = 1): TracePacket => ({ kind: 'packet', conn, dir, cmd: 'pingreq', len: 2, stamps, raw });
  const records: TraceRecord[] = [
    { kind: 'flow', flow: 'ping', conn: 1, start: 0, end: 9, totalNs: 9, segments: {} },
    pkt('to-broker', { serialFirst: 10, serialLast: 20, decoded: 30, parsed: 40, writeCalled: 50, flushed: 60 }),
    pkt('to-board', { brokerReceived: 70, parsed: 80, serialQueued: 90, serialDrained: 100 }, 2),
    pkt('to-broker', { serialFirst: 110, parsed: 140 }),
    pkt('to-board', { parsed: 180, serialQueued: 170 }),
    pkt('to-board', {}),
    { ...pkt('to-broker', { writeCalled: 200 }), raw: '' },
  ];

  it('times each packet where it crossed the broker socket, falling back to the stamp nearest it', () => {
    expect(pcapPacketsFromTrace(records).map(({ connId, dir, atNs }) => ({ connId, dir, atNs }))).toEqual([
      { connId: 1, dir: 'to-broker', atNs: 50 },
      { connId: 2, dir: 'to-board', atNs: 70 },
      { connId: 1, dir: 'to-broker', atNs: 140 },
      { connId: 1, dir: 'to-board', atNs: 170 },
    ]);
  });

  it('decodes the raw bytes', () => {
    expect(pcapPacketsFromTrace(records)[0].bytes).toEqual(Buffer.from([0xc0, 0x00]));
  });

  it('writes a file tshark reads, returning the packet count', async () => {
    const path = join(dir, 'trace.pcapng');
    expect(await writePcapngFile(path, records, T0)).toBe(4);
    expect(await readFile(path)).toEqual(writePcapng(pcapPacketsFromTrace(records), { t0Ns: T0, comment: undefined }));
    const rows = await fields(path, 'mqtt', ['frame.time_epoch', 'mqtt.msgtype']);
    expect(rows).toEqual([50n, 70n, 140n, 170n].map((ns) => [epoch(T0 + ns), '12']));
  });
});
