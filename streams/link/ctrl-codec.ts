import { CtrlType, MAX_WINDOW, MIN_MTU, type Role } from './protocol.js';

// CTRL-channel message bodies. Integers are little-endian; strings are UTF-8 with a length
// prefix. Decoders never throw: a short or inconsistent body decodes to an error string, and
// bytes past the known fields are ignored so later minor versions can append fields.

export interface Hello {
  linkVersion: number;
  role: Role;
  /** The sender has completed the handshake; a synced HELLO is never answered. */
  synced: boolean;
  /** Random per boot: a new value means the peer restarted. */
  epoch: number;
  /** Random per link reset request; never 0. */
  nonce: number;
  /** The peer nonce this HELLO answers, 0 for a reset request. */
  echo: number;
  mtu: number;
  window: number;
  id: string;
  firmware: string;
}

export type CtrlMessage =
  | ({ type: 'hello' } & Hello)
  | { type: 'open'; connId: number; url: string }
  | { type: 'opened'; connId: number }
  | { type: 'open-failed'; connId: number; reason: number; text: string }
  | { type: 'close'; connId: number }
  | { type: 'closed'; connId: number; reason: number; text: string }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  /** A piece of one TLS setting for the connection's next OPEN; `more` = pieces follow. */
  | { type: 'tls-item'; connId: number; item: number; more: boolean; data: Buffer };

class Writer {
  private parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.of(v & 0xff));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16LE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  str8(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 255) throw new RangeError(`string longer than 255 bytes: ${s.slice(0, 40)}...`);
    return this.u8(b.length).raw(b);
  }
  str16(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 65535) throw new RangeError('string longer than 65535 bytes');
    return this.u16(b.length).raw(b);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  pos = 0;
  short = false;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): boolean {
    if (this.pos + n > this.buf.length) this.short = true;
    return !this.short;
  }
  u8(): number {
    return this.need(1) ? this.buf[this.pos++] : 0;
  }
  u16(): number {
    if (!this.need(2)) return 0;
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    if (!this.need(4)) return 0;
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  /** A copy: the frame's buffer may be reused once the message is decoded. */
  bytes(len: number): Buffer {
    if (!this.need(len)) return Buffer.alloc(0);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return b;
  }
  str(len: number): string {
    if (!this.need(len)) return '';
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

export function encodeCtrl(msg: CtrlMessage): Buffer {
  const w = new Writer();
  switch (msg.type) {
    case 'hello':
      return w
        .u8(CtrlType.HELLO)
        .u8(msg.linkVersion)
        .u8(msg.role)
        .u8(msg.synced ? 1 : 0)
        .u32(msg.epoch)
        .u32(msg.nonce)
        .u32(msg.echo)
        .u16(msg.mtu)
        .u8(msg.window)
        .str8(msg.id)
        .str8(msg.firmware)
        .done();
    case 'open':
      return w.u8(CtrlType.OPEN).u8(msg.connId).str16(msg.url).done();
    case 'opened':
      return w.u8(CtrlType.OPENED).u8(msg.connId).done();
    case 'open-failed':
      return w.u8(CtrlType.OPEN_FAILED).u8(msg.connId).u8(msg.reason).str16(msg.text).done();
    case 'close':
      return w.u8(CtrlType.CLOSE).u8(msg.connId).done();
    case 'closed':
      return w.u8(CtrlType.CLOSED).u8(msg.connId).u8(msg.reason).str16(msg.text).done();
    case 'ping':
      return w.u8(CtrlType.PING).u32(msg.nonce).done();
    case 'pong':
      return w.u8(CtrlType.PONG).u32(msg.nonce).done();
    case 'tls-item':
      return w.u8(CtrlType.TLS_ITEM).u8(msg.connId).u8(msg.item).u8(msg.more ? 1 : 0).u16(msg.data.length).raw(msg.data).done();
  }
}

export function decodeCtrl(body: Buffer): CtrlMessage | string {
  const r = new Reader(body);
  const type = r.u8();
  let msg: CtrlMessage;
  switch (type) {
    case CtrlType.HELLO: {
      const linkVersion = r.u8();
      const role = r.u8() as Role;
      const synced = (r.u8() & 1) === 1;
      const epoch = r.u32();
      const nonce = r.u32();
      const echo = r.u32();
      const mtu = r.u16();
      const window = r.u8();
      const id = r.str(r.u8());
      const firmware = r.str(r.u8());
      msg = { type: 'hello', linkVersion, role, synced, epoch, nonce, echo, mtu, window, id, firmware };
      if (!r.short) {
        if (nonce === 0) return 'HELLO with nonce 0';
        if (mtu < MIN_MTU) return `HELLO with MTU ${mtu} < ${MIN_MTU}`;
        if (window < 1 || window > MAX_WINDOW) return `HELLO with window ${window} outside 1..${MAX_WINDOW}`;
      }
      break;
    }
    case CtrlType.OPEN: {
      const connId = r.u8();
      msg = { type: 'open', connId, url: r.str(r.u16()) };
      break;
    }
    case CtrlType.OPENED:
      msg = { type: 'opened', connId: r.u8() };
      break;
    case CtrlType.OPEN_FAILED:
    case CtrlType.CLOSED: {
      const connId = r.u8();
      const reason = r.u8();
      const text = r.str(r.u16());
      msg = { type: type === CtrlType.CLOSED ? 'closed' : 'open-failed', connId, reason, text };
      break;
    }
    case CtrlType.CLOSE:
      msg = { type: 'close', connId: r.u8() };
      break;
    case CtrlType.PING:
    case CtrlType.PONG:
      msg = { type: type === CtrlType.PING ? 'ping' : 'pong', nonce: r.u32() };
      break;
    case CtrlType.TLS_ITEM: {
      const connId = r.u8();
      const item = r.u8();
      const more = (r.u8() & 1) === 1;
      msg = { type: 'tls-item', connId, item, more, data: r.bytes(r.u16()) };
      break;
    }
    default:
      return body.length === 0 ? 'empty CTRL message' : `unknown CTRL type 0x${type.toString(16)}`;
  }
  return r.short ? `CTRL ${msg.type} message too short (${body.length} bytes)` : msg;
}
