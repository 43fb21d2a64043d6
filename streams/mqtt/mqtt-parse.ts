import { Observable, type OperatorFunction } from 'rxjs';
import mqtt, { type Packet } from 'mqtt-packet';
import { commonPacketCmd, parseCommonPacket } from './mqtt-fast-parse.js';

export type ProtocolVersion = 3 | 4 | 5;

/** One whole MQTT packet's bytes, tagged with its connection. */
export interface MqttBytes {
  connId: number;
  bytes: Buffer;
}

export type ParsedMqtt =
  | { type: 'packet'; connId: number; packet: Packet; bytes: Buffer }
  | { type: 'error'; connId: number; error: 'parse'; detail: string };

export interface ParseOptions {
  /**
   * Protocol level until a CONNECT says otherwise. Packets other than CONNECT carry no version,
   * so the broker -> board parser must be told the one the board's CONNECT used.
   */
  protocolVersion?: ProtocolVersion;
  /**
   * PUBLISH and its acknowledgements parsed by mqtt-fast-parse.ts (the same packets, faster);
   * default true. False leaves every packet to mqtt-packet, as a benchmark against it needs.
   */
  fastPath?: boolean;
}

interface OnePacketParser {
  parse(bytes: Buffer): Packet | Error;
  /** The name of a well-formed PUBLISH or PUB* acknowledgement, checked without parsing it (mqtt-fast-parse.ts); undefined for anything else, which parse() must see. */
  commonCmd(bytes: Buffer): string | undefined;
  setVersion(version: ProtocolVersion): void;
}

/**
 * mqtt-packet's streaming parser, held to exactly one packet per call; PUBLISH and its
 * acknowledgements go the short way (mqtt-fast-parse.ts) to the same result.
 */
export function createOnePacketParser(protocolVersion: ProtocolVersion, fastPath = true): OnePacketParser {
  const parser = mqtt.parser({ protocolVersion });
  const settings = (parser as unknown as { settings: { protocolVersion: ProtocolVersion } }).settings;
  let result: Packet | Error | undefined;
  parser.on('packet', (packet: Packet) => {
    result = packet;
  });
  parser.on('error', (err: Error) => {
    result = err;
  });
  return {
    parse(bytes) {
      const common = fastPath ? parseCommonPacket(bytes, settings.protocolVersion) : undefined;
      if (common) return common;
      result = undefined;
      parser.parse(bytes);
      const out = result ?? new Error('incomplete packet');
      if (out instanceof Error) {
        // Drop what the failed packet left in the parser so the next one starts clean.
        (parser as unknown as { _resetState(): void })._resetState();
      }
      return out;
    },
    commonCmd(bytes) {
      return fastPath ? commonPacketCmd(bytes, settings.protocolVersion) : undefined;
    },
    setVersion(version) {
      settings.protocolVersion = version;
    },
  };
}

/**
 * Whole MQTT packets (as reassembled, or split from a raw stream) -> parsed packets, with one
 * parser per connection. A packet that does not parse is reported, never thrown.
 */
export function parseMqtt(options: ParseOptions = {}): OperatorFunction<MqttBytes, ParsedMqtt> {
  const initialVersion = options.protocolVersion ?? 4;
  const fastPath = options.fastPath ?? true;
  return (source) =>
    new Observable<ParsedMqtt>((subscriber) => {
      const parsers = new Map<number, OnePacketParser>();
      return source.subscribe({
        next({ connId, bytes }) {
          let parser = parsers.get(connId);
          if (parser === undefined) {
            parser = createOnePacketParser(initialVersion, fastPath);
            parsers.set(connId, parser);
          }
          const out = parser.parse(bytes);
          if (out instanceof Error) {
            subscriber.next({ type: 'error', connId, error: 'parse', detail: out.message });
            return;
          }
          if (out.cmd === 'connect') parser.setVersion((out.protocolVersion ?? 4) as ProtocolVersion);
          subscriber.next({ type: 'packet', connId, packet: out, bytes });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
