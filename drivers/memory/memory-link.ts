import { BaseLink } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';

export interface MemoryLink extends SerialLink {
  /** Both ends become lost with this error, as if the cable were pulled. */
  simulateLoss(error: Error): void;
}

interface InFlight {
  chunk: Buffer;
  /** Settles the writer's write(): the bytes were taken, or fell off the wire. */
  taken(): void;
}

class MemoryLinkEnd extends BaseLink implements MemoryLink {
  peer!: MemoryLinkEnd;
  /**
   * What the peer wrote and this end has not taken yet: only while paused. Its size is bounded
   * by the writes the peer has pending, since none of them resolves until its bytes are taken.
   */
  private inbox: InFlight[] = [];

  constructor(readonly description: string) {
    super();
  }

  simulateLoss(error: Error): void {
    this.lose(error);
    this.peer.lose(error);
  }

  protected async doOpen(): Promise<void> {}

  protected doWrite(bytes: Buffer): Promise<void> {
    // Copied because the caller may reuse its buffer once the write resolves, and delivered on
    // a later turn so that a subscriber writing back never re-enters the writer's call stack.
    const chunk = Buffer.from(bytes);
    return new Promise((taken) => {
      setImmediate(() => {
        if (this.state.type === 'opened') this.peer.deliver({ chunk, taken });
        else taken();
      });
    });
  }

  protected async doClose(): Promise<void> {
    this.dropInbox();
  }

  protected applyReadingPaused(paused: boolean): void {
    if (!paused) setImmediate(() => this.takeInbox());
  }

  private deliver(item: InFlight): void {
    // Like a wire: bytes sent while the other side is not listening are gone.
    if (this.state.type !== 'opened') return item.taken();
    this.inbox.push(item);
    this.takeInbox();
  }

  private takeInbox(): void {
    while (!this.readingPaused && this.state.type === 'opened' && this.inbox.length > 0) {
      const item = this.inbox.shift()!;
      this.emitData(item.chunk);
      item.taken();
    }
    if (this.state.type !== 'opened') this.dropInbox();
  }

  private dropInbox(): void {
    for (const item of this.inbox.splice(0)) item.taken();
  }
}

/**
 * Two in-process ends of one line, for unit tests: what one writes the other receives. A
 * write resolves once the other end has taken the bytes, so pausing one end holds the other's
 * writes back, as a full kernel buffer would.
 */
export function createMemoryLinkPair(name = 'memory'): [MemoryLink, MemoryLink] {
  const a = new MemoryLinkEnd(`${name}:a`);
  const b = new MemoryLinkEnd(`${name}:b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
