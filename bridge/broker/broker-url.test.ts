import { describe, expect, it } from 'vitest';
import { BrokerUrlError, parseBrokerUrl, redactUrl } from './broker-url.js';

function failure(url: string): BrokerUrlError {
  try {
    parseBrokerUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerUrlError);
    return error as BrokerUrlError;
  }
  throw new Error(`"${url}" parsed`);
}

describe('parseBrokerUrl', () => {
  it.each([
    ['tcp://broker.bench', 'tcp', 1883, false],
    ['mqtt://broker.bench', 'mqtt', 1883, false],
    ['ssl://broker.bench', 'ssl', 8883, true],
    ['mqtts://broker.bench', 'mqtts', 8883, true],
    ['ws://broker.bench', 'ws', 80, false],
    ['wss://broker.bench', 'wss', 443, true],
  ] as const)('gives %s its default port', (url, scheme, port, secure) => {
    expect(parseBrokerUrl(url)).toMatchObject({ scheme, host: 'broker.bench', port, secure });
  });

  it('normalises href: lower-case scheme and host, explicit port', () => {
    expect(parseBrokerUrl('TCP://127.0.0.1:1883')).toEqual({
      scheme: 'tcp',
      host: '127.0.0.1',
      port: 1883,
      secure: false,
      href: 'tcp://127.0.0.1:1883',
    });
    expect(parseBrokerUrl(' MQTT://Broker.Bench ').href).toBe('mqtt://broker.bench:1883');
  });

  it('takes IPv6 addresses in brackets, keeping them bare in host', () => {
    expect(parseBrokerUrl('tcp://[::1]:1884')).toMatchObject({ host: '::1', port: 1884, href: 'tcp://[::1]:1884' });
    expect(parseBrokerUrl('wss://[FE80::1]')).toMatchObject({ host: 'fe80::1', port: 443, href: 'wss://[fe80::1]:443/mqtt' });
  });

  it('keeps a WebSocket path (default /mqtt) and ignores the path of the others', () => {
    expect(parseBrokerUrl('ws://b:8080').path).toBe('/mqtt');
    expect(parseBrokerUrl('ws://b:8080/').path).toBe('/');
    expect(parseBrokerUrl('wss://b/ws/v1?token=x')).toMatchObject({ path: '/ws/v1?token=x', href: 'wss://b:443/ws/v1?token=x' });
    expect(parseBrokerUrl('ws://b?x=1').path).toBe('/mqtt?x=1');
    const tcp = parseBrokerUrl('tcp://b:1883/');
    expect(tcp).not.toHaveProperty('path');
    expect(tcp.href).toBe('tcp://b:1883');
  });

  it('rejects other schemes, naming the six', () => {
    const error = failure('http://broker.bench:80');
    expect(error.reason).toBe('unsupported-scheme');
    expect(error.message).toBe(
      'unsupported scheme "http://" in broker URL "http://broker.bench:80"; supported: tcp://, mqtt://, ssl://, mqtts://, ws://, wss://',
    );
    expect(failure('amqp:broker').reason).toBe('unsupported-scheme');
    expect(failure('constructor://x').reason).toBe('unsupported-scheme');
  });

  it.each([
    ['', /it is empty/],
    ['broker.bench:1883', /expected scheme:\/\/host\[:port\]\[\/path\]/],
    ['tcp:broker.bench', /expected scheme:\/\//],
    ['tcp://', /the host is missing/],
    ['tcp://:1883', /the host is missing/],
    ['tcp://[]:1883', /the host is missing/],
    ['tcp://host:0', /port "0" is not a number from 1 to 65535/],
    ['tcp://host:65536', /port "65536"/],
    ['tcp://host:', /port ""/],
    ['tcp://host:12ab', /port "12ab"/],
    ['tcp://host:-1', /port "-1"/],
    ['tcp://[not-v6]:1883', /"not-v6" in brackets is not an IPv6 address/],
    ['tcp://::1:1883', /an IPv6 address goes in brackets/],
    ['tcp://bad_host!:1883', /"bad_host!" is not a valid host name/],
    ['tcp://300.1.1.1', /"300.1.1.1" is not a valid host name or IP address/],
    ['tcp://a b:1883', /white space/],
    ['tcp://host:1883/#frag', /fragment/],
    ['tcp://user:secret@host:1883', /belong in the MQTT CONNECT packet/],
  ])('rejects %j as bad-url', (url, words) => {
    const error = failure(url);
    expect(error.reason).toBe('bad-url');
    expect(error.message).toMatch(words);
    expect(error.message).toContain(`"${redactUrl(url.trim())}"`);
  });

  it('never repeats a password in its error', () => {
    const error = failure('tcp://user:secret@host:1883');
    expect(error.message).not.toContain('secret');
    expect(error.url).toBe('tcp://host:1883');
  });

  it('refuses a non-string with a TypeError', () => {
    expect(() => parseBrokerUrl(1883 as unknown as string)).toThrow(new TypeError('broker url must be a string, got number'));
  });
});

describe('redactUrl', () => {
  it('removes user:password@ and leaves everything else alone', () => {
    expect(redactUrl('mqtt://alice:s3cr@t@host:1883/x')).toBe('mqtt://host:1883/x');
    expect(redactUrl('mqtts://alice:pw@broker:8883')).toBe('mqtts://broker:8883');
    expect(redactUrl('ws://token@broker/mqtt')).toBe('ws://broker/mqtt');
    expect(redactUrl('alice:pw@broker:1883')).toBe('broker:1883');
    expect(redactUrl('tcp://broker:1883/a@b')).toBe('tcp://broker:1883/a@b');
  });
});
