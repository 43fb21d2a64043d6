import { map, type OperatorFunction } from 'rxjs';
import { encodeFrame, type Frame } from './frame.js';

/** Frames -> wire bytes: a 0x00, the COBS-encoded frame with its CRC, a 0x00. */
export function enframe(): OperatorFunction<Frame, Buffer> {
  return map(encodeFrame);
}
