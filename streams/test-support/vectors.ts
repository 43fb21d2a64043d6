import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FrameVector {
  name: string;
  note: string;
  channel: number;
  flags: number;
  seq: number;
  ack: number;
  credit: number;
  payload: string;
  wire: string;
}

export interface StreamVector {
  name: string;
  note?: string;
  wire: string;
  expect: ({ frame: string } | { frameHex: string } | { console: string } | { dropped: string })[];
  receiverAccepts?: boolean[];
}

export interface Vectors {
  crc32c: { input: string; crc: string }[];
  cobs: { raw: string; encoded: string }[];
  frames: FrameVector[];
  fragments: { name: string; connId: number; mtu: number; packet: string; fragments: { flags: number; payload: string }[] }[];
  streams: StreamVector[];
}

export const vectors: Vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../docs/link-protocol-vectors.json', import.meta.url)), 'utf8'),
);

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
