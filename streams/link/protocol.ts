// Link protocol v1 constants. docs/link-protocol.md is the normative text; names here follow it.

export const LINK_VERSION = 1;

/** Header: byte 0 = version(3) | channel(3) | flags(2), then seq, ack, credit. */
export const HEADER_BYTES = 4;
export const CRC_BYTES = 4;
/** Header + CRC: the smallest valid decoded frame. */
export const FRAME_OVERHEAD = HEADER_BYTES + CRC_BYTES;

export const Channel = {
  CTRL: 0,
  MQTT: 1,
  LOG: 2,
  TIME: 3,
  ACK: 4,
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];
export const CHANNEL_NAMES = ['ctrl', 'mqtt', 'log', 'time', 'ack'] as const;

/** Fragment flags (MQTT channel); every other channel sends FIRST | LAST. */
export const FLAG_FIRST = 0b10;
export const FLAG_LAST = 0b01;
export const FLAGS_WHOLE = FLAG_FIRST | FLAG_LAST;

/** Sequence numbers are 8 bits; at most half the space may be unacknowledged. */
export const SEQ_MODULO = 256;
export const MAX_WINDOW = 127;

/** MTU = largest frame payload (header and CRC excluded) a side accepts. */
export const MIN_MTU = 16;
export const MAX_MTU = 65535;

export const CtrlType = {
  HELLO: 0x01,
  OPEN: 0x02,
  OPENED: 0x03,
  OPEN_FAILED: 0x04,
  CLOSE: 0x05,
  CLOSED: 0x06,
  PING: 0x07,
  PONG: 0x08,
  TLS_ITEM: 0x09,
} as const;
export type CtrlType = (typeof CtrlType)[keyof typeof CtrlType];

/** Payload of an ACK-channel frame (empty payload = ACK). */
export const AckType = {
  ACK: 0x00,
  /** Sender has data but no credit: please answer with an ACK carrying your credit. */
  POLL: 0x01,
  /** Receiver saw a sequence gap: resend everything from `ack` now. */
  GAP: 0x02,
} as const;

/** What a TLS_ITEM carries: the SDK's connect() TLS options, by name. */
export const TlsItemKind = {
  TRUST_STORE: 1,
  KEY_STORE: 2,
  PRIVATE_KEY: 3,
} as const;
export type TlsItemKind = (typeof TlsItemKind)[keyof typeof TlsItemKind];

export const TimeType = {
  REQUEST: 0x01,
  RESPONSE: 0x02,
} as const;

/** Why a connection ended or could not open (CLOSED / OPEN_FAILED). */
export const Reason = {
  NORMAL: 0,
  BROKER_CLOSED: 1,
  BROKER_UNREACHABLE: 2,
  DNS_FAILED: 3,
  TLS_FAILED: 4,
  PROTOCOL_ERROR: 5,
  LINK_RESET: 6,
  BAD_URL: 7,
  UNSUPPORTED_SCHEME: 8,
  UNKNOWN_CONNECTION: 9,
  TOO_MANY_CONNECTIONS: 10,
  TIMEOUT: 11,
  BRIDGE_SHUTDOWN: 12,
  PACKET_TOO_LARGE: 13,
  FLOW_OVERRUN: 14,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export function reasonName(code: number): string {
  for (const [name, value] of Object.entries(Reason)) if (value === code) return name.toLowerCase();
  return `reason-${code}`;
}

export const Role = { BOARD: 0, HOST: 1 } as const;
export type Role = (typeof Role)[keyof typeof Role];
