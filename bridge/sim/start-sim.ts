import { createDl7450Board, type Dl7450Board } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { BoardApp } from '../../drivers/boards/apps/board-app.js';
import { createLineModel, type LineModel, type LineModelOptions } from '../../drivers/line-model/line-model.js';
import { realpath } from 'node:fs/promises';
import { createPtyLink } from '../../drivers/pty/pty-link.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import { describeSimEvent, type SimLine } from './sim-console.js';

export interface SimOptions {
  app: BoardApp;
  /**
   * Where the line is: `make` a pty of its own there (a symlink to its slave) for the bridge to
   * open, or `attach` to a tty that exists (a pty the bridge made with --port pty:PATH, socat's).
   */
  tty: { make: string } | { attach: string };
  id?: string;
  bootDelayMs?: number;
  /** A line model between the board and its pty; none: bytes cross at pty speed, as on USB. */
  line?: Omit<LineModelOptions, 'scheduler'>;
  /** Every line the sim has to say, unfiltered. */
  print(line: SimLine): void;
}

export interface Sim {
  /** The tty device the board's line is, /dev/pts/N. */
  readonly ptsPath: string;
  /** The line model's seed (to replay its faults), when there is one. */
  readonly lineSeed: number | undefined;
  readonly board: Dl7450Board;
  /** Power cut (what a line model still had to send is lost too, as a UART stops mid-frame). */
  powerOff(): void;
  /** Boots after the boot delay; nothing if the board is not off. */
  powerOn(): void;
  /** Power off, close the line (a pty of its own: and remove its symlink). */
  stop(): Promise<void>;
  /** Resolves, with what happened, if the line fails: a tty attached to hung up (its bridge stopped). */
  readonly lineLost: Promise<string>;
}

/**
 * A virtual DL-7450 on a pty of its own, its slave at a path: whatever opens that path (a bridge
 * in another process) sees a board on a serial line. Or attached to a tty someone else made, as
 * a board plugged into it. The board starts powered off.
 */
export async function startSim(options: SimOptions): Promise<Sim> {
  const { tty } = options;
  const pty = 'make' in tty ? createPtyLink({ linkPath: tty.make }) : createSerialportLink({ path: tty.attach, baudRate: 115200 });
  await pty.open();
  const ptsPath = 'make' in tty ? (pty as ReturnType<typeof createPtyLink>).ptsPath as string : await realpath(tty.attach);
  let model: LineModel | undefined;
  let board: Dl7450Board;
  try {
    model = options.line ? createLineModel(pty, options.line) : undefined;
    board = createDl7450Board({ line: model ?? pty, app: options.app, id: options.id, bootDelayMs: options.bootDelayMs });
  } catch (error) {
    await pty.close(); // takes the symlink away again
    throw error;
  }
  board.events$.subscribe((event) => {
    const line = describeSimEvent(event);
    if (line) options.print(line);
  });
  let lineGone: (detail: string) => void = () => undefined;
  const lineLost = new Promise<string>((resolve) => (lineGone = resolve));
  const lost = pty.state$.subscribe((state) => {
    if (state.type !== 'lost') return;
    options.print({ level: 'error', text: `the pty failed: ${state.error.message}` });
    lineGone(state.error.message);
  });
  return {
    ptsPath,
    lineSeed: model?.stats().seed,
    board,
    powerOff: () => board.powerOff(),
    powerOn: () => void board.powerOn(),
    lineLost,
    async stop() {
      await board.close();
      model?.close();
      lost.unsubscribe();
      await pty.close();
    },
  };
}
