/**
 * IPv4/TCP framing for the pcapng export. The bridge never sees the broker connection's real
 * segments, so each board connection is replayed as a made-up TCP stream that Wireshark's
 * TCP reassembly and MQTT dissector accept as genuine: real checksums, consistent sequence
 * numbers, a handshake first.
 */

export const BOARD_ADDR = Buffer.from([127, 0, 0, 2]);
export const BROKER_ADDR = Buffer.from([127, 0, 0, 1]);
/** Wireshark decodes port 1883 as MQTT by default; nothing listens there, it is a label. */
export const BROKER_PORT = 1883;
export const BOARD_PORT_BASE = 40000;
/** IPv4 total length is 16 bits: 65535 - 20 (IP) - 20 (TCP) leaves 65495; stay under it. */
export const MAX_SEGMENT = 65000;
/** Window scale 7 with a 0xffff window: ~8 MB, so a large PUBLISH never shows as "window full". */
const WINDOW_SHIFT = 7;

const SYN = 0x02, PSH = 0x08, ACK = 0x10;

/** RFC 1071 ones'-complement sum over the concatenation of `parts`, complemented. */
export function internetChecksum(...parts: Buffer[]): number {
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  let sum = 0;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += data.readUInt16BE(i);
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** TCP checksum of `segment` (header with a zero checksum field, then payload). */
export function tcpChecksum(src: Buffer, dst: Buffer, segment: Buffer): number {
  const pseudo = Buffer.alloc(12);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 4);
  pseudo[9] = 6;
  pseudo.writeUInt16BE(segment.length, 10);
  return internetChecksum(pseudo, segment);
}

interface Endpoint { addr: Buffer; port: number }

const NONE: Buffer = Buffer.alloc(0);

function ipv4Tcp(from: Endpoint, to: Endpoint, ipId: number, tcpFields: { seq: number; ack: number; flags: number }, options: Buffer, payload: Buffer): Buffer {
  const tcpLen = 20 + options.length;
  const packet = Buffer.alloc(20 + tcpLen + payload.length);
  packet[0] = 0x45;
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE(ipId & 0xffff, 4);
  packet.writeUInt16BE(0x4000, 6); // DF: these segments are never fragmented
  packet[8] = 64;
  packet[9] = 6;
  from.addr.copy(packet, 12);
  to.addr.copy(packet, 16);
  packet.writeUInt16BE(internetChecksum(packet.subarray(0, 20)), 10);

  const tcp = packet.subarray(20);
  tcp.writeUInt16BE(from.port, 0);
  tcp.writeUInt16BE(to.port, 2);
  tcp.writeUInt32BE(tcpFields.seq, 4);
  tcp.writeUInt32BE(tcpFields.flags & ACK ? tcpFields.ack : 0, 8);
  tcp[12] = (tcpLen / 4) << 4;
  tcp[13] = tcpFields.flags;
  tcp.writeUInt16BE(0xffff, 14);
  options.copy(tcp, 20);
  payload.copy(tcp, tcpLen);
  tcp.writeUInt16BE(tcpChecksum(from.addr, to.addr, tcp), 16);
  return packet;
}

/** MSS, NOP, window scale: what lets a large PUBLISH go out as several unacknowledged segments. */
function synOptions(): Buffer {
  const o = Buffer.from([2, 4, 0, 0, 1, 3, 3, WINDOW_SHIFT]);
  o.writeUInt16BE(MAX_SEGMENT, 2);
  return o;
}

/** One board connection's synthetic TCP stream; the board is the client. */
export class SyntheticTcpConnection {
  private readonly board: Endpoint;
  private readonly broker: Endpoint = { addr: BROKER_ADDR, port: BROKER_PORT };
  // Fixed ISNs keep the export byte-for-byte reproducible.
  private boardSeq = 0x10000000;
  private brokerSeq = 0x20000000;
  private ipId = 1;
  private open = false;

  constructor(connId: number) {
    if (!Number.isInteger(connId) || connId < 0 || BOARD_PORT_BASE + connId > 0xffff) {
      throw new RangeError(`connId ${connId} does not map to a TCP port (0..${0xffff - BOARD_PORT_BASE})`);
    }
    this.board = { addr: BOARD_ADDR, port: BOARD_PORT_BASE + connId };
  }

  /** IPv4 packets carrying `bytes` in direction `dir`, preceded by the handshake the first time. */
  segments(dir: 'to-broker' | 'to-board', bytes: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (!this.open) {
      this.open = true;
      out.push(this.emit(true, SYN, NONE, synOptions()));
      out.push(this.emit(false, SYN | ACK, NONE, synOptions()));
      out.push(this.emit(true, ACK, NONE));
    }
    const up = dir === 'to-broker';
    for (let off = 0; ; off += MAX_SEGMENT) {
      const last = off + MAX_SEGMENT >= bytes.length;
      // PSH on the segment that completes the MQTT packet, as a sender flushing it would set.
      out.push(this.emit(up, last ? PSH | ACK : ACK, bytes.subarray(off, off + MAX_SEGMENT)));
      if (last) return out;
    }
  }

  private emit(up: boolean, flags: number, payload: Buffer, options: Buffer = NONE): Buffer {
    const [from, to] = up ? [this.board, this.broker] : [this.broker, this.board];
    const seq = up ? this.boardSeq : this.brokerSeq;
    const ack = up ? this.brokerSeq : this.boardSeq;
    const packet = ipv4Tcp(from, to, this.ipId++, { seq, ack, flags }, options, payload);
    // A SYN takes one sequence number; sequence space wraps at 2^32.
    const next = (seq + payload.length + (flags & SYN ? 1 : 0)) >>> 0;
    if (up) this.boardSeq = next;
    else this.brokerSeq = next;
    return packet;
  }
}
