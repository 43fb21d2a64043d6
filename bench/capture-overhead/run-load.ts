import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { filter, take } from 'rxjs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../bridge/config/parse-config.js';
import { startDaemon, type Daemon } from '../../bridge/daemon/daemon.js';
import { createLogger } from '../../bridge/log.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { toggleCaptures, type CaptureToggle, type ToggleResult } from './capture-toggle.js';

const CLI = fileURLToPath(new URL('../../bridge/cli.ts', import.meta.url));
const APP = fileURLToPath(new URL('./load-app.ts', import.meta.url));

/** What load-app.ts reports at the end of its run. */
export interface LoadResult {
  mode: 'flood' | 'rate';
  n: number;
  confirmed: number;
  failed: number;
  refused: number;
  /** hrtime (ns) of the first publish and of the last confirmation, on the host's shared clock. */
  t0: bigint;
  tDone: bigint;
  p50Us?: number;
  p99Us?: number;
  /** With `toggle`: the latencies of publishes wholly within capture-off (even) and -on (odd) phases. */
  phases?: Record<'even' | 'odd', PhaseLatency>;
  /** CPU this process (the bridge) spent from the board's CONNACK until the run was over, µs. */
  bridgeCpuUs: number;
  toggle?: ToggleResult;
}

export interface PhaseLatency {
  n: number;
  p50Us?: number;
  p99Us?: number;
}

export interface LoadOptions {
  brokerPort: number;
  /** Where the board's tty symlink goes. */
  tty: string;
  /** load-app.ts's settings (LOAD_*). */
  env: Record<string, string>;
  /** Capture on: subscribed to the board's captures$ for the whole run. Off: undefined. */
  onCapture?: (capture: PacketCapture) => void;
  /**
   * Capture off and on in one run: watched in odd phases of `phaseMs` from the board's CONNACK
   * on; the app counts a publish to its phase if it went out `guardMs` after the phase began.
   */
  toggle?: { phaseMs: number; guardMs: number; onCapture: (capture: PacketCapture) => void };
  /**
   * Keeps the run going after the app's report until this settles: a QoS 0 publish is
   * confirmed once written to the board's link, long before it reaches the broker.
   */
  until?: Promise<unknown>;
  timeoutMs: number;
}

// A bench that dies without its finally blocks must not leave boards behind.
const sims = new Set<ChildProcess>();
process.once('exit', () => sims.forEach((child) => child.kill('SIGKILL')));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Resolves with the first stdout line of `child` matching `pattern`; rejects if it exits first. */
function lineFrom(child: ChildProcess, pattern: RegExp, what: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let partial = '';
    const onData = (chunk: Buffer): void => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      const line = parts.find((l) => pattern.test(l));
      if (line !== undefined) {
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the sim exited (${code}) before saying ${pattern}: ${what()}`)));
  });
}

/**
 * One run: a virtual board running load-app.ts in a `dl7450-bridge sim` child process, the bridge
 * daemon in this process on its pty, the broker given. Resolves with the app's report.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const sim = spawn(process.execPath, ['--import', 'tsx', CLI, 'sim', '--app', APP, '--tty', options.tty, '--boot-delay', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, ...(options.toggle && { LOAD_PHASE_MS: String(options.toggle.phaseMs), LOAD_GUARD_MS: String(options.toggle.guardMs) }) },
  });
  sims.add(sim);
  sim.once('exit', () => sims.delete(sim));
  let simErr = '';
  sim.stderr?.on('data', (c: Buffer) => (simErr += c.toString()));
  let daemon: Daemon | undefined;
  let timer: NodeJS.Timeout | undefined;
  let toggle: CaptureToggle | undefined;
  try {
    // The sim says where its board is once the pty and its symlink exist.
    await lineFrom(sim, /^board .* attach with/, () => simErr);
    let reported!: (text: string) => void;
    const report = new Promise<string>((resolve) => (reported = resolve));
    // The app's console reaches the bridge's log as 'board log' lines; only those are parsed.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) {
          // The bridge's warnings belong on the bench's console: a run that went wrong says why.
          if (/^\{"level":[4-6]\d/.test(line)) process.stderr.write(`bridge: ${line}\n`);
          if (!line.includes('"board log"')) continue;
          const text = (JSON.parse(line) as { text?: string }).text ?? '';
          if (text.startsWith('load ')) reported(text.slice(5));
        }
        done();
      },
    });
    const config = parseConfig({ broker: `tcp://127.0.0.1:${options.brokerPort}`, boards: [{ name: 'dut', port: options.tty, link: 'framed' }] }, 'capture-overhead bench');
    daemon = await startDaemon(config, createLogger('info', sink));
    // Less noisy than a rate on this shared 2-core VM: what the bridge spends, whatever its pace,
    // from the CONNACK on (the app starts publishing then), so start-up is not spread over it.
    let cpu0 = process.cpuUsage();
    const board = daemon.boards.get('dut') as NonNullable<ReturnType<Daemon['boards']['get']>>;
    daemon.events$.pipe(filter((e) => e.event.type === 'mqtt-connack'), take(1)).subscribe(() => {
      cpu0 = process.cpuUsage();
      if (options.toggle) toggle = toggleCaptures(board.captures$, options.toggle.phaseMs, options.toggle.onCapture);
    });
    if (options.onCapture) board.captures$.subscribe(options.onCapture);
    const timeout = new Promise<never>((_, reject) => {
      // Safety net: every run ends in seconds.
      timer = setTimeout(() => reject(new Error(`no report from the board app within ${options.timeoutMs} ms; sim stderr: ${simErr}`)), options.timeoutMs);
    });
    const raw = JSON.parse(await Promise.race([report, timeout])) as Omit<LoadResult, 't0' | 'tDone' | 'bridgeCpuUs'> & { t0: string; tDone: string };
    await Promise.race([options.until, timeout]);
    const cpu = process.cpuUsage(cpu0);
    const toggled = toggle?.stop();
    toggle = undefined;
    const guardMs = options.toggle?.guardMs ?? Infinity;
    if (toggled && toggled.lateUsMax >= guardMs * 1000) {
      throw new Error(`a capture toggle came ${toggled.lateUsMax.toFixed(0)} µs after its phase began, past the app's ${guardMs} ms guard: the phases are mixed`);
    }
    return { ...raw, t0: BigInt(raw.t0), tDone: BigInt(raw.tDone), bridgeCpuUs: cpu.user + cpu.system, ...(toggled && { toggle: toggled }) };
  } finally {
    clearTimeout(timer);
    toggle?.stop();
    await daemon?.stop();
    await stopChild(sim);
  }
}
