import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, map, Subject, type Subscription } from 'rxjs';
import { linkOverLine } from '../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../streams/link/link-endpoint.js';
import type { Hello } from '../streams/link/ctrl-codec.js';
import { HOST_MTU, HOST_WINDOW } from '../streams/link/defaults.js';
import { MAX_WINDOW, MIN_MTU, Role } from '../streams/link/protocol.js';
import { openLinkTarget, type LinkTarget } from './link-target.js';

// Link-level acceptance for a board: it must come up, stay up, shrug off line noise and follow
// a link reset. Run against hardware with DL7450_PORT=/dev/ttyACM0 npx vitest run hil-tests.

let target: LinkTarget;
let commands: Subject<LinkCommand>;
let events: Subject<LinkOutput>;
let sub: Subscription;

const next = <T extends LinkOutput['type']>(type: T) =>
  firstValueFrom(events.pipe(filter((o): o is Extract<LinkOutput, { type: T }> => o.type === type)));

beforeEach(async () => {
  target = await openLinkTarget();
  commands = new Subject<LinkCommand>();
  events = new Subject<LinkOutput>();
  sub = linkOverLine(target.line, commands, {
    role: Role.HOST,
    id: 'dl7450-bridge-hil',
    firmware: 'hil',
    mtu: HOST_MTU,
    window: HOST_WINDOW,
    pingIntervalMs: 100,
    statsIntervalMs: 50,
    ownsChunks: true,
  }).subscribe(events);
});

afterEach(async () => {
  sub.unsubscribe();
  await target.release();
});

describe(`link protocol v1 against the ${process.env.DL7450_PORT ? `board at ${process.env.DL7450_PORT}` : 'virtual board'}`, () => {
  it('completes the HELLO handshake and describes itself sensibly', async () => {
    const up = await next('up');
    const peer: Hello = up.peer;
    expect(up.cause).toBe('first');
    expect(peer.role).toBe(Role.BOARD);
    expect(peer.linkVersion).toBe(1);
    expect(peer.id.length).toBeGreaterThan(0);
    expect(peer.mtu).toBeGreaterThanOrEqual(MIN_MTU);
    expect(peer.window).toBeGreaterThanOrEqual(1);
    expect(peer.window).toBeLessThanOrEqual(MAX_WINDOW);
  });

  it('acknowledges PINGs on an idle link, giving a round-trip time', async () => {
    await next('up');
    const rtt = await firstValueFrom(events.pipe(filter((o) => o.type === 'stats' && o.stats.srttMs !== undefined), map((o) => (o.type === 'stats' ? o.stats.srttMs : -1))));
    expect(rtt).toBeGreaterThanOrEqual(0);
  });

  it('stays up through garbage on its receive line and keeps acknowledging', async () => {
    await next('up');
    const downs: LinkOutput[] = [];
    events.pipe(filter((o) => o.type === 'down')).subscribe((d) => downs.push(d));
    const noise = Buffer.from([0x00, 0x13, 0xff, 0x42, 0x99, 0x07, 0x00, 0x41, 0x42, 0x43, 0x00]);
    for (let i = 0; i < 20; i++) await target.line.write(noise);
    // Frames sent after the noise must still be acknowledged: wait for the outstanding ones.
    const before = await firstValueFrom(events.pipe(filter((o) => o.type === 'stats'), map((o) => (o.type === 'stats' ? o.stats.framesIn : 0))));
    await firstValueFrom(events.pipe(filter((o) => o.type === 'stats' && o.stats.framesIn > before + 3 && o.stats.inFlight === 0)));
    expect(downs).toEqual([]);
  });

  it('follows a link reset from the host and comes back up', async () => {
    await next('up');
    const down = next('down');
    const again = next('up');
    commands.next({ type: 'reset', detail: 'hil test' });
    expect((await down).cause).toBe('local-reset');
    expect((await again).cause).toBe('resync');
  });
});
