/**
 * The three pcapng blocks the export needs (draft-ietf-opsawg-pcapng), little-endian: readers
 * detect the byte order from the section header's magic, so any order is valid.
 */

export const LINKTYPE_RAW = 101;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

interface BlockOption { code: number; value: Buffer }

const pad4 = (n: number): number => (n + 3) & ~3;

function encodeOptions(options: BlockOption[]): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const parts = options.map(({ code, value }) => {
    const opt = Buffer.alloc(4 + pad4(value.length));
    opt.writeUInt16LE(code, 0);
    opt.writeUInt16LE(value.length, 2);
    value.copy(opt, 4);
    return opt;
  });
  const end = Buffer.alloc(4);
  end.writeUInt16LE(OPT_ENDOFOPT, 0);
  return Buffer.concat([...parts, end]);
}

/** Type, total length, body, total length again (so readers can walk backwards). */
function block(type: number, body: Buffer): Buffer {
  const total = 12 + pad4(body.length);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

export function sectionHeaderBlock(userAppl: string, comment?: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length unknown: written in one pass
  const options: BlockOption[] = [];
  if (comment) options.push({ code: OPT_COMMENT, value: Buffer.from(comment, 'utf8') });
  options.push({ code: SHB_USERAPPL, value: Buffer.from(userAppl, 'utf8') });
  return block(SHB, Buffer.concat([fixed, encodeOptions(options)]));
}

/** One interface with nanosecond timestamps (the default resolution is microseconds). */
export function interfaceDescriptionBlock(linkType: number, name: string): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(linkType, 0);
  fixed.writeUInt32LE(0, 4); // snaplen 0: no limit; nothing is truncated
  return block(
    IDB,
    Buffer.concat([
      fixed,
      encodeOptions([
        { code: IF_NAME, value: Buffer.from(name, 'utf8') },
        { code: IF_TSRESOL, value: Buffer.from([9]) },
      ]),
    ]),
  );
}

/** `timestampNs` in the interface's resolution (ns), split into the block's two 32-bit halves. */
export function enhancedPacketBlock(interfaceId: number, timestampNs: bigint, data: Buffer): Buffer {
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(interfaceId, 0);
  fixed.writeUInt32LE(Number((timestampNs >> 32n) & 0xffffffffn), 4);
  fixed.writeUInt32LE(Number(timestampNs & 0xffffffffn), 8);
  fixed.writeUInt32LE(data.length, 12);
  fixed.writeUInt32LE(data.length, 16);
  const padded = Buffer.alloc(pad4(data.length));
  data.copy(padded);
  return block(EPB, Buffer.concat([fixed, padded]));
}
