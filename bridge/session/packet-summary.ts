import type { Packet } from 'mqtt-packet';

/**
 * What a log line may say about a packet. CONNECT passwords, will payloads and publish
 * payloads never appear: a bench log is shared, and boards carry production credentials.
 */
export function packetSummary(packet: Packet): Record<string, unknown> {
  switch (packet.cmd) {
    case 'connect':
      return {
        cmd: 'connect',
        protocolVersion: packet.protocolVersion,
        clientId: packet.clientId,
        clean: packet.clean,
        keepalive: packet.keepalive,
        username: packet.username,
        hasPassword: packet.password !== undefined,
        will: packet.will ? { topic: packet.will.topic, qos: packet.will.qos, retain: packet.will.retain } : undefined,
      };
    case 'connack':
      return { cmd: 'connack', returnCode: packet.returnCode, reasonCode: packet.reasonCode, sessionPresent: packet.sessionPresent };
    case 'publish':
      return { cmd: 'publish', topic: packet.topic, qos: packet.qos, messageId: packet.messageId, retain: packet.retain, bytes: packet.payload.length };
    case 'subscribe':
      return { cmd: 'subscribe', messageId: packet.messageId, topics: packet.subscriptions.map((s) => `${s.topic}@${s.qos}`) };
    case 'suback':
      return { cmd: 'suback', messageId: packet.messageId, granted: packet.granted };
    default:
      return { cmd: packet.cmd, messageId: (packet as { messageId?: number }).messageId };
  }
}
