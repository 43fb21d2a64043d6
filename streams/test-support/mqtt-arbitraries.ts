import fc from 'fast-check';
import type { Packet } from 'mqtt-packet';

const topic = fc.stringMatching(/^[a-z0-9_-]{1,12}(\/[a-z0-9_-]{1,12}){0,3}$/);
const filter = fc.oneof(topic, topic.map((t) => `${t}/#`), topic.map((t) => `+/${t}`));
const text = fc.stringMatching(/^[ -~]{0,40}$/);
const bytes = (max = 300) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const mid = fc.integer({ min: 1, max: 65535 });
const qos = fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>;

const v5Props = fc.record(
  {
    payloadFormatIndicator: fc.boolean(),
    messageExpiryInterval: fc.integer({ min: 1, max: 100000 }),
    contentType: text.filter((s) => s.length > 0),
    userProperties: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { minKeys: 1, maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

/** Valid MQTT packets of every type for protocol level 4 (3.1.1) or 5. */
export function packetArb(version: 4 | 5): fc.Arbitrary<Packet> {
  const connect = fc
    .record({
      clientId: fc.stringMatching(/^[a-zA-Z0-9-]{0,23}$/),
      clean: fc.boolean(),
      keepalive: fc.integer({ min: 0, max: 65535 }),
      will: fc.option(fc.record({ topic, payload: bytes(100), qos, retain: fc.boolean() }), { nil: undefined }),
      username: fc.option(text, { nil: undefined }),
      password: fc.option(bytes(40), { nil: undefined }),
    })
    .map((c) => ({
      cmd: 'connect' as const,
      protocolId: 'MQTT' as const,
      protocolVersion: version,
      ...c,
      // An empty client id is only allowed with a clean session [MQTT-3.1.3-7].
      clean: c.clean || c.clientId === '',
      // 3.1.1 forbids a password without a user name [MQTT-3.1.2-22]; mqtt-packet refuses it for 5 too.
      password: c.username === undefined ? undefined : c.password,
    }));
  const publish = fc
    .record({ topic, payload: bytes(), qos, retain: fc.boolean(), dup: fc.boolean(), messageId: mid })
    .map((p) => ({ cmd: 'publish' as const, ...p, dup: p.qos > 0 && p.dup, messageId: p.qos > 0 ? p.messageId : undefined }));
  const publish5 = fc.tuple(publish, v5Props).map(([p, properties]) => ({ ...p, properties }));
  const ack = (cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp') => mid.map((messageId) => ({ cmd, messageId }));
  const all: fc.Arbitrary<object>[] = [
    connect,
    version === 5 ? publish5 : publish,
    fc.record({ returnCode: fc.integer({ min: 0, max: 5 }), sessionPresent: fc.boolean() }).map((c) =>
      version === 5
        ? { cmd: 'connack', sessionPresent: c.sessionPresent, reasonCode: [0, 0x80, 0x87][c.returnCode % 3] }
        : { cmd: 'connack', ...c, sessionPresent: c.returnCode === 0 && c.sessionPresent },
    ),
    ack('puback'),
    ack('pubrec'),
    ack('pubrel'),
    ack('pubcomp'),
    fc.record({ messageId: mid, subscriptions: fc.array(fc.record({ topic: filter, qos }), { minLength: 1, maxLength: 4 }) }).map((s) => ({ cmd: 'subscribe', ...s })),
    fc.record({ messageId: mid, granted: fc.array(fc.constantFrom(0, 1, 2, 128), { minLength: 1, maxLength: 4 }) }).map((s) => ({ cmd: 'suback', ...s })),
    fc.record({ messageId: mid, unsubscriptions: fc.array(filter, { minLength: 1, maxLength: 4 }) }).map((s) => ({ cmd: 'unsubscribe', ...s })),
    // MQTT 5 UNSUBACK carries one reason code per topic filter.
    mid.map((messageId) => (version === 5 ? { cmd: 'unsuback', messageId, granted: [0x00, 0x11] } : { cmd: 'unsuback', messageId })),
    fc.constant({ cmd: 'pingreq' }),
    fc.constant({ cmd: 'pingresp' }),
    fc.constant({ cmd: 'disconnect' }),
  ];
  if (version === 5) all.push(fc.constant({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM' } }));
  return fc.oneof(...all) as fc.Arbitrary<Packet>;
}
