import { Writable } from 'node:stream';
import { parseConfig } from '../../bridge/config/parse-config.js';
import { startDaemon, type Daemon } from '../../bridge/daemon/daemon.js';
import { createLogger } from '../../bridge/log.js';
import type { TestBroker } from './test-broker-types.js';

export interface ListenBench {
  daemon: Daemon;
  /** Where boards (or any MQTT client) connect to reach the broker through the bridge. */
  port: number;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The daemon with one `listen://127.0.0.1:0` board, so any TCP MQTT client can stand in for a board. */
export async function startListenBench(broker: TestBroker, board: Record<string, unknown> = {}): Promise<ListenBench> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = parseConfig(
    { broker: broker.url.replace(/^mqtt:/, 'tcp:'), boards: [{ name: 'tcp', port: 'listen://127.0.0.1:0', link: 'raw', ...board }] },
    'listen bench',
  );
  const daemon = await startDaemon(config, createLogger('info', sink));
  return { daemon, port: daemon.listening.tcp.port, logs, stop: () => daemon.stop() };
}
