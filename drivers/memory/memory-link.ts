import { BaseLink } from '../base-link.js';
import type { SerialLink } from '../serial-link.js';

export interface MemoryLink extends SerialLink {
  /** Both ends become lost with this error, as if the cable were pulled. */
  simulateLoss(error: Error): void;
}

class MemoryLinkEnd extends BaseLink implements MemoryLink {
  peer!: MemoryLinkEnd;

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
    const copy = Buffer.from(bytes);
    return new Promise((resolve) => {
      setImmediate(() => {
        if (this.state.type === 'opened') this.peer.deliver(copy);
        resolve();
      });
    });
  }

  protected async doClose(): Promise<void> {}

  private deliver(chunk: Buffer): void {
    // Like a wire: bytes sent while the other side is not listening are gone.
    if (this.state.type === 'opened') this.emitData(chunk);
  }
}

/** Two in-process ends of one line, for unit tests: what one writes the other receives. */
export function createMemoryLinkPair(name = 'memory'): [MemoryLink, MemoryLink] {
  const a = new MemoryLinkEnd(`${name}:a`);
  const b = new MemoryLinkEnd(`${name}:b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
