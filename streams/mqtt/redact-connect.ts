import { generate, type IConnectPacket } from 'mqtt-packet';

const REDACTED = Buffer.from('<redacted>');

/**
 * A CONNECT's bytes with its password (a SAS token, an API key) replaced, for captures that
 * outlive the session. The replacement keeps the packet well-formed for Wireshark.
 */
export function redactConnect(packet: IConnectPacket): Buffer {
  if (packet.password === undefined) return generate(packet);
  return generate({ ...packet, password: REDACTED });
}
