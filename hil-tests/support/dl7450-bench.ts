import type { Daemon } from '../../bridge/daemon/daemon.js';
import { startSocatPair, type SocatPair } from '../../drivers/test-support/socat-pair.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import { createDl7450Board, type Dl7450Board, type Dl7450BoardOptions } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { TestBroker } from './test-broker-types.js';
import type { ByteLine } from '../../streams/link/link-over-line.js';
import { startTestDaemon } from './bridge-daemon.js';
import { createVirtualPower } from '../../drivers/power/virtual-power.js';

export interface Dl7450Bench {
  board: Dl7450Board;
  daemon: Daemon;
  line: SerialLink;
  socat: SocatPair;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * A virtual DL-7450 behind a socat pty pair, the bridge daemon (framed) on the other end, a real
 * broker behind it. `wrapLine` puts a line model between the board and its pty.
 */
export async function startDl7450Bench(
  broker: TestBroker,
  options: Omit<Dl7450BoardOptions, 'line'> & {
    wrapLine?: (line: ByteLine) => ByteLine;
    bridge?: Record<string, unknown>;
    /** false: the board stays off until the test powers it on. */
    poweredOn?: boolean;
  } = {},
): Promise<Dl7450Bench> {
  const socat = await startSocatPair();
  const line = createSerialportLink({ path: socat.b, baudRate: 115200 });
  await line.open();
  const { wrapLine, bridge: _bridge, poweredOn = true, ...boardOptions } = options;
  const board = createDl7450Board({ ...boardOptions, line: wrapLine ? wrapLine(line) : line, bootDelayMs: options.bootDelayMs ?? 0 });
  // The bridge switches this board's power as a bench file's driver would: a power strategy can run.
  const { daemon, logs } = await startTestDaemon(broker, [{ name: 'dut', port: socat.a, link: 'framed', ...options.bridge }], {}, { power: () => createVirtualPower(board) });
  if (poweredOn) await board.powerOn();
  return {
    board,
    daemon,
    line,
    socat,
    logs,
    async stop() {
      await board.close();
      await daemon.stop();
      await line.close();
      await socat.stop();
    },
  };
}
