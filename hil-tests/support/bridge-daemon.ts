import { Writable } from 'node:stream';
import { parseConfig } from '../../bridge/config/parse-config.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../bridge/daemon/daemon.js';
import { createLogger } from '../../bridge/log.js';
import type { TestBroker } from './test-broker-types.js';

export interface TestDaemon {
  daemon: Daemon;
  /** Every log line the bridge wrote, parsed, in order. */
  logs: Record<string, unknown>[];
}

/**
 * The bridge daemon as `dl7450-bridge run` starts it, logging at debug into `logs`, every
 * board's connections sent to `broker`. `boards` and `defaults` are bench-file entries.
 */
export async function startTestDaemon(broker: TestBroker, boards: Record<string, unknown>[], defaults: Record<string, unknown> = {}, options: DaemonOptions = {}): Promise<TestDaemon> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = parseConfig({ broker: broker.url.replace(/^mqtt:/, 'tcp:'), defaults, boards }, 'test bench');
  return { daemon: await startDaemon(config, createLogger('debug', sink), options), logs };
}
