import { describe, expect, it } from 'vitest';
import { createSerialLinkFromSpec, isListenSpec, parseListenSpec } from '../link-from-spec.js';

describe('listen specs', () => {
  it('recognises listen:// in any case, and nothing else', () => {
    expect(isListenSpec('listen://127.0.0.1:7000')).toBe(true);
    expect(isListenSpec('LISTEN://[::1]:7000')).toBe(true);
    expect(isListenSpec('tcp://127.0.0.1:7000')).toBe(false);
    expect(isListenSpec('/dev/listen0')).toBe(false);
  });

  it('parses host, port and allowAnyAddress', () => {
    expect(parseListenSpec('listen://127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseListenSpec('listen://[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenSpec('listen://0.0.0.0:7000?allowAnyAddress=1')).toEqual({ host: '0.0.0.0', port: 7000, allowAnyAddress: true });
  });

  it('rejects a spec without a port, with a path, or with an unknown parameter, saying what is expected', () => {
    expect(() => parseListenSpec('listen://127.0.0.1')).toThrow('listen spec "listen://127.0.0.1" needs a host and a port');
    expect(() => parseListenSpec('listen://127.0.0.1:7000/x')).toThrow(/needs a host and a port, and nothing else/);
    expect(() => parseListenSpec('listen://127.0.0.1:70000')).toThrow(/malformed; expected listen:\/\/host:port/);
    expect(() => parseListenSpec('listen://127.0.0.1:7000?backlog=5')).toThrow('unknown listen spec parameter "backlog"; supported: allowAnyAddress');
    expect(() => parseListenSpec('listen://0.0.0.0:7000?allowAnyAddress=maybe')).toThrow(/must be 1 or 0/);
    expect(() => parseListenSpec('tcp://127.0.0.1:7000')).toThrow(/not a listen spec/);
  });

  it('is refused by createSerialLinkFromSpec, which makes one link, pointing at the listen source', () => {
    expect(() => createSerialLinkFromSpec('listen://127.0.0.1:7000')).toThrow(
      '"listen://127.0.0.1:7000" accepts many links, one per board that connects, not one: give parseListenSpec(spec) to createListenLinkSource()',
    );
  });
});
