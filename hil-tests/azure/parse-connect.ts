import { parser, type Packet } from 'mqtt-packet';

/** One whole MQTT packet's bytes, parsed (tests read captures back with it). */
export function parse(bytes: Buffer): Packet {
  const p = parser({ protocolVersion: 4 });
  let got: Packet | undefined;
  p.on('packet', (packet) => (got = packet));
  p.on('error', (error) => {
    throw error;
  });
  p.parse(bytes);
  if (!got) throw new Error('not one whole MQTT packet');
  return got;
}
