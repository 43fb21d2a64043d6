import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialLink } from '../drivers/serial-link.js';
import { createPtyLink } from '../drivers/pty/pty-link.js';
import { createSerialLinkFromSpec } from '../drivers/link-from-spec.js';
import { attachVirtualBoardLink } from '../drivers/boards/virtual-board-link.js';

/** The line to a board under test, from the host's side, and how to let go of it. */
export interface LinkTarget {
  name: string;
  line: SerialLink;
  release(): Promise<void>;
}

/**
 * One suite, two targets (as node-serialport's TEST_PORT): DL7450_PORT names a real board's
 * line ("/dev/ttyACM0", "serial:/dev/ttyUSB0?baud=921600", "tcp://10.0.0.9:4001"); without it
 * the suite runs against the virtual board, attached to a pty the bridge owns.
 */
export async function openLinkTarget(): Promise<LinkTarget> {
  const spec = process.env.DL7450_PORT;
  if (spec) {
    const line = createSerialLinkFromSpec(spec);
    await line.open();
    return { name: `board at ${line.description}`, line, release: () => line.close() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-hil-'));
  const line = createPtyLink({ linkPath: join(dir, 'board0') });
  await line.open();
  const board = await attachVirtualBoardLink({ path: join(dir, 'board0') });
  return {
    name: 'virtual board on a bridge-owned pty',
    line,
    async release() {
      await board.close();
      await line.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
