import type { IConnectPacket, Packet } from 'mqtt-packet';
import { redactConnect } from '../mqtt/redact-connect.js';
import type { PacketCapture, ToBoardStamps, ToBrokerStamps } from './capture-types.js';

// Built field by field, not from spreads of conditional objects: this runs for every packet
// while a capture is watched, and the spreads were most of its cost.
function capture(connId: number, packet: Packet, bytes: Buffer, keepSecrets: boolean): Omit<PacketCapture, 'dir' | 'stamps'> {
  const p = packet as { messageId?: number; qos?: number };
  const secret = packet.cmd === 'connect' && !keepSecrets && (packet as IConnectPacket).password !== undefined;
  // A copy: a framed packet's bytes may sit in a line buffer that is about to be reused.
  const c: Omit<PacketCapture, 'dir' | 'stamps'> = { connId, cmd: packet.cmd, length: bytes.length, bytes: secret ? redactConnect(packet as IConnectPacket) : Buffer.from(bytes) };
  if (p.messageId !== undefined) c.packetId = p.messageId;
  if (packet.cmd === 'publish') c.qos = p.qos ?? 0;
  return c;
}

export function toBrokerCapture(connId: number, packet: Packet, bytes: Buffer, stamps: ToBrokerStamps, keepSecrets = false): PacketCapture {
  const c = capture(connId, packet, bytes, keepSecrets) as PacketCapture;
  c.dir = 'to-broker';
  c.stamps = stamps;
  return c;
}

export function toBoardCapture(connId: number, packet: Packet, bytes: Buffer, stamps: ToBoardStamps, keepSecrets = false): PacketCapture {
  const c = capture(connId, packet, bytes, keepSecrets) as PacketCapture;
  c.dir = 'to-board';
  c.stamps = stamps;
  return c;
}
