/**
 * What the capture operators stamp on every packet that crosses the bridge. All times are
 * process.hrtime.bigint() values (CLOCK_MONOTONIC, nanoseconds): the same clock in every
 * process on the host, so a virtual board in another process stamps on it too.
 */

export type CaptureDirection = 'to-broker' | 'to-board';

/** A board packet on its way to the broker, in the order the stamps are taken. */
export interface ToBrokerStamps {
  /** The first byte of the packet's first frame arrived from the serial line. */
  serialFirst: bigint;
  /** The last byte of its last frame arrived. */
  serialLast: bigint;
  /** Its last frame was decoded (COBS, CRC). */
  decoded: bigint;
  /** The whole packet was parsed as MQTT. */
  parsed: bigint;
  /** socket.write() was called with it. */
  writeCalled: bigint;
  /** The socket handed it to the kernel. */
  flushed: bigint;
}

/** A broker packet on its way to the board. */
export interface ToBoardStamps {
  /** The socket read that completed the packet. */
  brokerReceived: bigint;
  parsed: bigint;
  /** Handed to the link, to be framed and queued for the serial line. */
  serialQueued: bigint;
  /** The line write of its last frame completed. */
  serialDrained: bigint;
}

interface CaptureBase {
  connId: number;
  /** mqtt-packet's name: connect, publish, puback, ... */
  cmd: string;
  packetId?: number;
  qos?: number;
  /** Whole MQTT packet, fixed header included. */
  length: number;
  /**
   * The packet's bytes, for pcapng. A CONNECT's password is already replaced (secrets never
   * reach a capture unless the user asks for them).
   */
  bytes: Buffer;
}

export type PacketCapture =
  | (CaptureBase & { dir: 'to-broker'; stamps: ToBrokerStamps })
  | (CaptureBase & { dir: 'to-board'; stamps: ToBoardStamps });

/** Stamp names in time order, per direction: what a segment runs between. */
export const TO_BROKER_STAMPS = ['serialFirst', 'serialLast', 'decoded', 'parsed', 'writeCalled', 'flushed'] as const;
export const TO_BOARD_STAMPS = ['brokerReceived', 'parsed', 'serialQueued', 'serialDrained'] as const;

/** Where a stretch of a flow's time went. */
export type SegmentName = 'board' | 'serialIn' | 'bridgeIn' | 'broker' | 'bridgeOut' | 'serialOut';

export const SEGMENT_NAMES: readonly SegmentName[] = ['serialIn', 'bridgeIn', 'broker', 'bridgeOut', 'serialOut', 'board'];

export type FlowKind =
  | 'connect'
  | 'publish-qos1'
  | 'publish-qos2'
  | 'subscribe'
  | 'unsubscribe'
  | 'ping'
  /** Broker-initiated: a PUBLISH to the board and the board's acknowledgements. */
  | 'deliver-qos1'
  | 'deliver-qos2';

/** One request/response exchange, closed; its segments sum to `totalNs` exactly. */
export interface FlowRecord {
  flow: FlowKind;
  connId: number;
  packetId?: number;
  /** First and last stamp of the flow (hrtime ns). */
  start: bigint;
  end: bigint;
  totalNs: number;
  segments: Partial<Record<SegmentName, number>>;
}
