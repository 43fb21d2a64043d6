import { parseConfig } from '../../bridge/config/parse-config.js';
import { startDaemon, type Daemon } from '../../bridge/daemon/daemon.js';
import { createLogger } from '../../bridge/log.js';
import { startSocatPair, type SocatPair } from '../../drivers/test-support/socat-pair.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import { createDl7450Board, type Dl7450Board, type Dl7450BoardOptions } from '../../drivers/boards/dl7450/dl7450-board.js';
import { Writable } from 'node:stream';
import type { TestBroker } from './test-broker-types.js';
import type { ByteLine } from '../../streams/link/link-over-line.js';

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
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const socat = await startSocatPair();
  const config = parseConfig({ broker: broker.url.replace(/^mqtt:/, 'tcp:'), boards: [{ name: 'dut', port: socat.a, link: 'framed', ...options.bridge }] }, 'dl7450 bench');
  const daemon = await startDaemon(config, createLogger('debug', sink));
  const line = createSerialportLink({ path: socat.b, baudRate: 115200 });
  await line.open();
  const { wrapLine, bridge: _bridge, poweredOn = true, ...boardOptions } = options;
  const board = createDl7450Board({ ...boardOptions, line: wrapLine ? wrapLine(line) : line, bootDelayMs: options.bootDelayMs ?? 0 });
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
