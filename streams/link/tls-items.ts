import type { CtrlMessage } from './ctrl-codec.js';
import { TlsItemKind } from './protocol.js';

// TLS_ITEM (protocol 3.1.1): the SDK's connect() TLS options travel from the board to the host
// ahead of the OPEN they belong to. A certificate chain is larger than a small board's MTU, so
// each setting goes in pieces; CTRL is reliable and in order, so pieces need no numbering.

/** The SDK's trust_store, key_store and private_key, as the app passed them (PEM or DER). */
export interface TlsMaterial {
  trustStore?: Buffer;
  keyStore?: Buffer;
  privateKey?: Buffer;
}

type MaterialKey = keyof TlsMaterial;

const KEYS: Record<number, MaterialKey> = {
  [TlsItemKind.TRUST_STORE]: 'trustStore',
  [TlsItemKind.KEY_STORE]: 'keyStore',
  [TlsItemKind.PRIVATE_KEY]: 'privateKey',
};
const KINDS: [MaterialKey, TlsItemKind][] = [
  ['trustStore', TlsItemKind.TRUST_STORE],
  ['keyStore', TlsItemKind.KEY_STORE],
  ['privateKey', TlsItemKind.PRIVATE_KEY],
];

/** The SDK's option names, for messages a firmware engineer recognises. */
export const SDK_NAMES: Record<MaterialKey, string> = { trustStore: 'trust_store', keyStore: 'key_store', privateKey: 'private_key' };

/** Type, connId, item and flags bytes, and the piece's u16 length. */
const ITEM_HEADER_BYTES = 6;
/** Protocol 3.1.1: a host may refuse a setting larger than this. */
export const MAX_TLS_ITEM_BYTES = 65536;

/** Which settings `material` holds, by their SDK names (never their content). */
export const materialNames = (material: TlsMaterial): string[] => KINDS.filter(([key]) => material[key] !== undefined).map(([key]) => SDK_NAMES[key]);

/** The TLS_ITEM messages that carry `material` for `connId`, each fitting a frame of `mtu` payload bytes. */
export function tlsItemMessages(connId: number, material: TlsMaterial, mtu: number): CtrlMessage[] {
  const room = mtu - ITEM_HEADER_BYTES;
  if (room < 1) throw new RangeError(`an MTU of ${mtu} leaves no room for a TLS_ITEM piece`);
  const messages: CtrlMessage[] = [];
  for (const [key, item] of KINDS) {
    const bytes = material[key];
    if (bytes === undefined) continue;
    // An empty setting still goes: one piece with no bytes, so the host knows the app gave it.
    for (let at = 0; at === 0 || at < bytes.length; at += room) {
      const data = bytes.subarray(at, at + room);
      messages.push({ type: 'tls-item', connId, item, more: at + room < bytes.length, data });
    }
  }
  return messages;
}

/** What an OPEN finds collected for its connection. */
export interface CollectedTls {
  material: TlsMaterial;
  /** Why the material cannot be used: a setting cut short, too large, or of an unknown kind. */
  problems: string[];
}

interface Part {
  pieces: Buffer[];
  /** Bytes of the setting so far, kept or not. */
  bytes: number;
  /** Why its pieces are counted but no longer kept. */
  refused?: string;
}

interface Pending {
  material: TlsMaterial;
  /** Settings whose last piece has not come yet, with the pieces so far. */
  partial: Map<MaterialKey, Part>;
  problems: string[];
}

const sizeOf = (buffers: (Buffer | undefined)[]): number => buffers.reduce((n, b) => n + (b?.length ?? 0), 0);

/**
 * The host side: pieces gathered per connection until its OPEN takes them. An oversized or
 * unknown setting is not an error of the link: it becomes a problem the OPEN reports. What is
 * held for all connections together is bounded too, so a board that sends pieces and never
 * OPENs cannot make the host hold 256 connections' worth.
 */
export function createTlsItemCollector(maxItemBytes = MAX_TLS_ITEM_BYTES, maxHeldBytes = 4 * maxItemBytes) {
  const pending = new Map<number, Pending>();
  let held = 0;
  const entry = (connId: number): Pending => {
    let p = pending.get(connId);
    if (!p) pending.set(connId, (p = { material: {}, partial: new Map(), problems: [] }));
    return p;
  };
  const refuse = (part: Part, why: string): void => {
    held -= sizeOf(part.pieces);
    part.pieces = [];
    part.refused ??= why;
  };
  return {
    add(msg: Extract<CtrlMessage, { type: 'tls-item' }>): void {
      const p = entry(msg.connId);
      const key = KEYS[msg.item];
      if (key === undefined) {
        if (!msg.more) p.problems.push(`a TLS setting of unknown kind ${msg.item}`);
        return;
      }
      let part = p.partial.get(key);
      if (!part) {
        p.partial.set(key, (part = { pieces: [], bytes: 0 }));
        held -= sizeOf([p.material[key]]);
        delete p.material[key]; // a setting sent again replaces the first
      }
      part.bytes += msg.data.length;
      // Past a limit the pieces are counted, not kept, until the setting's end.
      if (part.bytes > maxItemBytes) refuse(part, `${SDK_NAMES[key]} is larger than ${maxItemBytes} bytes`);
      else if (held + msg.data.length > maxHeldBytes) refuse(part, `${SDK_NAMES[key]} came while TLS settings of ${maxHeldBytes} bytes were already waiting for their OPENs`);
      if (part.refused === undefined) {
        part.pieces.push(msg.data);
        held += msg.data.length;
      }
      if (msg.more) return;
      p.partial.delete(key);
      if (part.refused !== undefined) p.problems.push(part.bytes > maxItemBytes ? `${part.refused} (${part.bytes})` : part.refused);
      else p.material[key] = Buffer.concat(part.pieces);
    },
    /** What was collected for `connId`, forgotten as it is returned; undefined when nothing came. */
    take(connId: number): CollectedTls | undefined {
      const p = pending.get(connId);
      if (!p) return undefined;
      pending.delete(connId);
      held -= sizeOf(Object.values(p.material)) + sizeOf([...p.partial.values()].flatMap((part) => part.pieces));
      const problems = [...p.problems, ...[...p.partial.keys()].map((key) => `${SDK_NAMES[key]} ended without its last piece`)];
      return { material: p.material, problems };
    },
    /** Bytes held for OPENs to come, for tests and metrics. */
    get heldBytes(): number {
      return held;
    },
    /** The link was reset: pieces of the old session belong to no OPEN. */
    clear(): void {
      pending.clear();
      held = 0;
    },
  };
}
