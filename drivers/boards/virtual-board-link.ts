import { Subject, type Subscription } from 'rxjs';
import { createSerialportLink } from '../serial/serialport-link.js';
import { linkOverLine } from '../../streams/link/link-over-line.js';
import type { LinkCommand, LinkOutput } from '../../streams/link/link-endpoint.js';
import { Role } from '../../streams/link/protocol.js';

export interface VirtualBoardLinkOptions {
  /** The serial path the board attaches to, as a program on the board's side of the line would. */
  path: string;
  id?: string;
  firmware?: string;
  mtu?: number;
  window?: number;
}

export interface VirtualBoardLink {
  readonly events$: Subject<LinkOutput>;
  send(command: LinkCommand): void;
  close(): Promise<void>;
}

/**
 * The link-protocol side of a board, attached to a serial path (a pty the bridge exposes, or
 * one end of a socat pair): it speaks HELLO, acknowledgements, credit and PING like a DL-7450
 * firmware would, and nothing more. For a board with MQTT clients, see createVirtualBoard
 * (virtual-board.ts), which takes any ByteLine, a serialport link on such a path included.
 */
export async function attachVirtualBoardLink(options: VirtualBoardLinkOptions): Promise<VirtualBoardLink> {
  const line = createSerialportLink({ path: options.path, baudRate: 115200 });
  await line.open();
  const commands = new Subject<LinkCommand>();
  const events$ = new Subject<LinkOutput>();
  const sub: Subscription = linkOverLine(line, commands, {
    role: Role.BOARD,
    id: options.id ?? 'virtual-dl7450',
    firmware: options.firmware ?? 'virtual-0.1',
    mtu: options.mtu ?? 256,
    window: options.window ?? 4,
  }).subscribe(events$);
  return {
    events$,
    send: (command) => commands.next(command),
    async close() {
      commands.complete();
      sub.unsubscribe();
      await line.close();
    },
  };
}
