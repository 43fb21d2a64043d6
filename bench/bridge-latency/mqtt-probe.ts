import mqtt from 'mqtt-packet';

/** A byte pipe to a broker, whatever is in between (a socket, a pty, the link protocol). */
export interface ProbeTransport {
  write(bytes: Buffer): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  close(): Promise<void>;
  /**
   * Microseconds the probe itself spent in its own link code since the last call (own-time.ts),
   * for a probe that frames; absent for one that writes raw MQTT.
   */
  ownTimeUs?(): number;
}

export interface ProbeResult {
  rttUs: number[];
  /** rttUs less the probe's own link time in each (ownTimeUs); undefined for a raw probe. */
  rttLessProbeUs?: number[];
  qos0MsgsPerS: number;
}

const hr = () => process.hrtime.bigint();

/**
 * The measurement a board's MQTT client would make: CONNECT, then QoS 1 PUBLISH -> PUBACK one
 * at a time (round-trip times), then a burst of QoS 0 PUBLISH closed by a PINGREQ (messages per
 * second until the PINGRESP: what the path and the broker's input side can take), after an
 * untimed burst of the same size when `qos0Warmup` is set.
 */
export async function probe(t: ProbeTransport, options: { warmup: number; n: number; m: number; payload: number; qos0Warmup?: boolean }): Promise<ProbeResult> {
  const parser = mqtt.parser({ protocolVersion: 4 });
  const waiters = new Map<string, () => void>();
  parser.on('packet', (p: mqtt.Packet) => {
    const key = p.cmd === 'puback' ? `puback:${p.messageId}` : p.cmd;
    waiters.get(key)?.();
    waiters.delete(key);
  });
  t.onData((chunk) => parser.parse(chunk));
  const expect = (key: string) => new Promise<void>((resolve) => waiters.set(key, resolve));

  const connack = expect('connack');
  await t.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `probe-${process.pid}-${Date.now()}`, clean: true, keepalive: 0 }));
  await connack;

  const payload = Buffer.alloc(options.payload, 0x61);
  const rttUs: number[] = [];
  const rttLessProbeUs: number[] = [];
  for (let i = 0; i < options.warmup + options.n; i++) {
    const messageId = (i % 65535) + 1;
    const acked = expect(`puback:${messageId}`);
    t.ownTimeUs?.();
    const t0 = hr();
    void t.write(mqtt.generate({ cmd: 'publish', topic: 'bench/rtt', payload, qos: 1, messageId, retain: false, dup: false }));
    await acked;
    const us = Number(hr() - t0) / 1000;
    const own = t.ownTimeUs?.();
    if (i < options.warmup) continue;
    rttUs.push(us);
    if (own !== undefined) rttLessProbeUs.push(us - own);
  }

  const publish = mqtt.generate({ cmd: 'publish', topic: 'bench/qos0', payload, qos: 0, retain: false, dup: false });
  const batch = Buffer.concat(Array.from({ length: 32 }, () => publish));
  const burst = async (): Promise<number> => {
    const t0 = hr();
    for (let sent = 0; sent < options.m; sent += 32) await t.write(batch);
    const pong = expect('pingresp');
    await t.write(mqtt.generate({ cmd: 'pingreq' }));
    await pong;
    return Number(hr() - t0) / 1e9;
  };
  // An untimed burst first: the round trips above never ran the burst's code paths (corked
  // writes, many packets per read), and a JIT process would be timed compiling them.
  if (options.qos0Warmup) await burst();
  const seconds = await burst();
  await t.write(mqtt.generate({ cmd: 'disconnect' })).catch(() => undefined);
  return { rttUs, ...(t.ownTimeUs && { rttLessProbeUs }), qos0MsgsPerS: Math.ceil(options.m / 32) * 32 / seconds };
}
