import { FLAG_FIRST, FLAG_LAST } from '../link/protocol.js';

export interface MqttFragment {
  flags: number;
  /** MQTT channel payload: connection id, then a slice of the packet. */
  payload: Buffer;
}

/**
 * Cuts one MQTT packet into MQTT-channel frame payloads no larger than `mtu`. The first
 * fragment always holds the whole fixed header (MIN_MTU guarantees room for it).
 */
export function fragmentMqtt(connId: number, packet: Buffer, mtu: number): MqttFragment[] {
  const room = mtu - 1;
  if (packet.length <= room) {
    const payload = Buffer.allocUnsafe(packet.length + 1);
    payload[0] = connId;
    packet.copy(payload, 1);
    return [{ flags: FLAG_FIRST | FLAG_LAST, payload }];
  }
  const fragments: MqttFragment[] = [];
  for (let pos = 0; pos < packet.length; pos += room) {
    const end = Math.min(pos + room, packet.length);
    const payload = Buffer.allocUnsafe(end - pos + 1);
    payload[0] = connId;
    packet.copy(payload, 1, pos, end);
    const flags = (pos === 0 ? FLAG_FIRST : 0) | (end === packet.length ? FLAG_LAST : 0);
    fragments.push({ flags, payload });
  }
  return fragments;
}
