import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/parse-config.js';
import { startDaemon, type Daemon, type DaemonBoard } from '../daemon/daemon.js';
import type { Logger } from '../log.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import { createDl7450Board, type Dl7450Board } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { BoardApp } from '../../drivers/boards/apps/board-app.js';
import { createVirtualPower } from '../../drivers/power/virtual-power.js';

export interface VirtualRig {
  daemon: Daemon;
  /** The board as the daemon runs it, its power the virtual board's. */
  dut: DaemonBoard;
  board: Dl7450Board;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A virtual DL-7450 on a pty the bridge owns, the bridge daemon (framed) in between, its
 * connections going to `brokerUrl`, and the board's power switched by the daemon's power
 * strategy as a bench driver would. The board is left off.
 */
export async function startVirtualRig(options: { brokerUrl: string; boardId: string; app?: BoardApp; logger: Logger; captureSecrets?: boolean }): Promise<VirtualRig> {
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-rig-'));
  const tty = join(dir, 'board0');
  let board: Dl7450Board | undefined;
  // The board needs the pty, which the daemon makes: its power is bound to it once it exists.
  const power = createVirtualPower({
    id: options.boardId,
    get state() {
      return board?.state ?? 'off';
    },
    powerOn: () => (board as Dl7450Board).powerOn(),
    powerOff: () => board?.powerOff(),
  });
  const config = parseConfig({ broker: options.brokerUrl.replace(/^mqtt:/, 'tcp:'), boards: [{ name: 'dut', port: `pty:${tty}`, link: 'framed', captureSecrets: options.captureSecrets ?? false }] }, 'virtual rig');
  const daemon = await startDaemon(config, options.logger, { power: () => power });
  const cleanups: (() => Promise<unknown>)[] = [() => daemon.stop(), () => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  };
  try {
    // The bridge makes its pty when the board's loop starts.
    for (let i = 0; !(await access(tty).then(() => true, () => false)); i++) {
      if (i === 1000) throw new Error(`the bridge's pty did not appear at ${tty}`);
      await sleep(10);
    }
    const line = createSerialportLink({ path: tty, baudRate: 115200 });
    await line.open();
    cleanups.unshift(() => line.close());
    const created = createDl7450Board({ line, id: options.boardId, bootDelayMs: 0, app: options.app });
    board = created;
    cleanups.unshift(() => created.close());
    return { daemon, dut: daemon.boards.get('dut') as DaemonBoard, board: created, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
