import { describe, it } from 'vitest';
import { loadConfig } from '../../bridge/config/load-config.js';

/**
 * What a test may need of its board beyond an MQTT app behind the bridge. A physical board
 * offers none of these (yet): it runs the app it was given, on its own line.
 */
export type Capability =
  /** Drive the board's `mqtt` module from TypeScript (board.mqtt), not through an app. */
  | 'sdk-handle'
  /** Choose, per test, the app the board runs. */
  | 'app-choice'
  /** Cut and restore the board's power. */
  | 'power'
  /** Shape the line: baud rate, faults, taps below the link. */
  | 'line-model'
  /** Set the board's own limits and clock (in-flight limit, manual clock). */
  | 'board-settings';

const PHYSICAL_LACKS: Record<Capability, string> = {
  'sdk-handle': 'drives the mqtt module from TypeScript, which only the virtual board exposes (a physical board is driven through echo_app.py)',
  'app-choice': 'gives the board an app of its own, while a physical board runs the app it was given',
  // Power drivers (uhubctl, relays, smart plugs) come with the power-cut issue.
  power: 'switches the board\'s power, and no power driver is set up for a physical board yet',
  'line-model': 'shapes the line with the virtual line model, which a physical line does not have',
  'board-settings': 'sets the board\'s in-flight limit or clock, which are its firmware\'s on a physical board',
};

export interface BoardTarget {
  readonly kind: 'virtual' | 'physical';
  /** As reports show it: "virtual DL-7450" or "DL-7450 at /dev/ttyACM0". */
  readonly name: string;
  /** Physical: the board's line, as `dl7450-bridge run --port` takes it. */
  readonly port?: string;
  /** Physical: the topic prefix its echo_app.py was configured with. */
  readonly echoPrefix: string;
  /** Why a test needing `caps` cannot run on this board, or undefined when it can. */
  lacks(...caps: Capability[]): string | undefined;
}

const VIRTUAL: BoardTarget = {
  kind: 'virtual',
  name: 'virtual DL-7450',
  echoPrefix: 'dl7450/echo',
  lacks: () => undefined,
};

function physical(port: string, echoPrefix: string): BoardTarget {
  return {
    kind: 'physical',
    name: `DL-7450 at ${port}`,
    port,
    echoPrefix,
    lacks: (...caps) => {
      const missing = caps.filter((c) => PHYSICAL_LACKS[c]);
      return missing.length ? `this test ${missing.map((c) => PHYSICAL_LACKS[c]).join('; and ')}` : undefined;
    },
  };
}

/**
 * The board the hil-tests/dl7450 suites run against (one suite, two targets, as node-serialport's
 * TEST_PORT): `DL7450_PORT` names a physical board's line ("/dev/ttyACM0",
 * "serial:/dev/ttyUSB0?baud=921600", "tcp://10.0.0.9:4001"); or `DL7450_BENCH` a bench file and
 * `DL7450_BOARD` one of its boards (the first when unset). Neither: the virtual board.
 * `DL7450_ECHO_PREFIX` is the prefix the board's echo_app.py uses (default dl7450/echo).
 */
export async function resolveBoardTarget(env: NodeJS.ProcessEnv = process.env): Promise<BoardTarget> {
  const prefix = env.DL7450_ECHO_PREFIX || VIRTUAL.echoPrefix;
  if (env.DL7450_PORT) {
    if (env.DL7450_BENCH) throw new Error('DL7450_PORT and DL7450_BENCH both name a board: set only one');
    return physical(env.DL7450_PORT, prefix);
  }
  if (env.DL7450_BENCH) {
    const config = await loadConfig(env.DL7450_BENCH);
    const wanted = env.DL7450_BOARD;
    const board = wanted ? config.boards.find((b) => b.name === wanted) : config.boards[0];
    if (!board) throw new Error(`DL7450_BOARD=${wanted}: ${env.DL7450_BENCH} has no such board (it has ${config.boards.map((b) => b.name).join(', ')})`);
    if (board.link !== 'framed') throw new Error(`${env.DL7450_BENCH}: board ${board.name} has link ${board.link}; a DL-7450 speaks the framed link`);
    return physical(board.port, prefix);
  }
  return VIRTUAL;
}

/** The target of this test process (top-level await in the test files). */
export const boardTarget: BoardTarget = await resolveBoardTarget();

/**
 * `describe` for tests that need `caps`: on a board without them the block is skipped, and its
 * name says which board and why, so a skip never passes unexplained.
 */
export function describeNeeding(caps: Capability[], name: string, fn: () => void): void {
  const why = boardTarget.lacks(...caps);
  if (why) describe.skip(`${name} [skipped on ${boardTarget.name}: ${why}]`, fn);
  else describe(name, fn);
}

/** `it` for one test that needs `caps`, as describeNeeding does for a block. */
export function itNeeding(caps: Capability[], name: string, fn: () => Promise<void>, timeout?: number): void {
  const why = boardTarget.lacks(...caps);
  if (why) it.skip(`${name} [skipped on ${boardTarget.name}: ${why}]`, fn, timeout);
  else it(name, fn, timeout);
}
