import { Observable, type OperatorFunction } from 'rxjs';
import mqtt, { type Packet } from 'mqtt-packet';
import type { ProtocolVersion } from './mqtt-parse.js';

export interface MqttOut {
  connId: number;
  packet: Packet;
}

export type SerializedMqtt =
  | { type: 'bytes'; connId: number; bytes: Buffer }
  | { type: 'error'; connId: number; detail: string };

/**
 * MQTT packets -> their bytes, at the protocol level the connection's CONNECT chose (the level
 * of broker -> board packets is the board's). The bytes go to the link as `send-mqtt`
 * (framed mode) or straight onto the line (raw mode). A packet mqtt-packet cannot encode is
 * reported, never thrown and never sent as nothing.
 */
export function serializeMqtt(versionOf: (connId: number) => ProtocolVersion): OperatorFunction<MqttOut, SerializedMqtt> {
  return (source) =>
    new Observable<SerializedMqtt>((subscriber) =>
      source.subscribe({
        next({ connId, packet }) {
          let bytes: Buffer;
          try {
            bytes = mqtt.generate(packet, { protocolVersion: versionOf(connId) });
          } catch (error) {
            subscriber.next({ type: 'error', connId, detail: `cannot encode ${packet.cmd}: ${(error as Error).message}` });
            return;
          }
          // mqtt-packet returns an empty buffer for some invalid packets instead of throwing.
          if (bytes.length < 2) subscriber.next({ type: 'error', connId, detail: `cannot encode ${packet.cmd}: invalid packet` });
          else subscriber.next({ type: 'bytes', connId, bytes });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
