import type { IConnectPacket, Packet } from 'mqtt-packet';
import { redactConnect } from '../mqtt/redact-connect.js';
import type { PacketCapture, ToBoardStamps, ToBrokerStamps } from './capture-types.js';

type Common = Pick<PacketCapture, 'connId' | 'cmd' | 'packetId' | 'qos' | 'length' | 'bytes'>;

function common(connId: number, packet: Packet, bytes: Buffer, keepSecrets: boolean): Common {
  const p = packet as { messageId?: number; qos?: number };
  // A copy: a framed packet's bytes may sit in a line buffer that is about to be reused.
  const captured = packet.cmd === 'connect' && !keepSecrets && (packet as IConnectPacket).password !== undefined ? redactConnect(packet as IConnectPacket) : Buffer.from(bytes);
  return {
    connId,
    cmd: packet.cmd,
    ...(p.messageId !== undefined && { packetId: p.messageId }),
    ...(packet.cmd === 'publish' && { qos: p.qos ?? 0 }),
    length: bytes.length,
    bytes: captured,
  };
}

export function toBrokerCapture(connId: number, packet: Packet, bytes: Buffer, stamps: ToBrokerStamps, keepSecrets = false): PacketCapture {
  return { ...common(connId, packet, bytes, keepSecrets), dir: 'to-broker', stamps };
}

export function toBoardCapture(connId: number, packet: Packet, bytes: Buffer, stamps: ToBoardStamps, keepSecrets = false): PacketCapture {
  return { ...common(connId, packet, bytes, keepSecrets), dir: 'to-board', stamps };
}
