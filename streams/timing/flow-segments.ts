import { TO_BOARD_STAMPS, TO_BROKER_STAMPS, type PacketCapture, type SegmentName } from './capture-types.js';

/**
 * Where a flow's time went: the stamps of its packets, in order, and each stretch between two
 * consecutive stamps charged to one segment. Inside a board packet: serial in (its frames on
 * the line), then bridge in (decode, parse, write). Inside a broker packet: bridge out, then
 * serial out. Between packets: the broker's turn (board packet flushed -> broker's answer read)
 * or the board's (answer on the line -> the board's next packet arrives). The stretches
 * telescope, so the segments sum to end - start exactly.
 */
export function flowSegments(packets: PacketCapture[]): { start: bigint; end: bigint; segments: Partial<Record<SegmentName, number>> } {
  const segments: Partial<Record<SegmentName, number>> = {};
  const add = (name: SegmentName, from: bigint, to: bigint): void => {
    segments[name] = (segments[name] ?? 0) + Number(to - from);
  };
  let previous: PacketCapture | undefined;
  let last = 0n;
  let start = 0n;
  for (const p of packets) {
    const points = p.dir === 'to-broker' ? TO_BROKER_STAMPS.map((n) => p.stamps[n]) : TO_BOARD_STAMPS.map((n) => p.stamps[n]);
    if (previous === undefined) start = points[0];
    else add(previous.dir === 'to-broker' ? 'broker' : 'board', last, points[0]);
    for (let i = 1; i < points.length; i++) {
      const name: SegmentName = p.dir === 'to-broker' ? (i === 1 ? 'serialIn' : 'bridgeIn') : i === TO_BOARD_STAMPS.length - 1 ? 'serialOut' : 'bridgeOut';
      add(name, points[i - 1], points[i]);
    }
    last = points[points.length - 1];
    previous = p;
  }
  return { start, end: last, segments };
}
