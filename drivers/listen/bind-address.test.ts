import { describe, expect, it } from 'vitest';
import { hostPort } from './accepted-link.js';
import { isAnyAddress } from './bind-address.js';

describe('isAnyAddress', () => {
  it('spots the IPv4 and IPv6 wildcards in any spelling', () => {
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '::0', '::ffff:0.0.0.0']) expect(isAnyAddress(host)).toBe(true);
  });

  it('lets loopback, specific addresses and names through', () => {
    for (const host of ['127.0.0.1', '::1', '[::1]', '192.168.1.5', 'fe80::1', 'localhost']) expect(isAnyAddress(host)).toBe(false);
  });
});

describe('hostPort', () => {
  it('brackets IPv6 addresses only', () => {
    expect(hostPort('127.0.0.1', 7000)).toBe('127.0.0.1:7000');
    expect(hostPort('::1', 7000)).toBe('[::1]:7000');
  });
});
