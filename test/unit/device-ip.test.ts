import { describe, expect, it } from 'vitest';
import { deviceIpBucket } from '../../functions/core/device-ip.ts';

describe('the per-device limit counts one device once, however its address is written', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(deviceIpBucket('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(deviceIpBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(deviceIpBucket('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('counts every spelling of an IPv6 address, and every address of its /64, as one', () => {
    const bucket = '2001:db8:0:0::/64';
    expect(deviceIpBucket('2001:db8::7')).toBe(bucket);
    expect(deviceIpBucket('2001:DB8:0:0:0:0:0:7')).toBe(bucket);
    expect(deviceIpBucket('2001:db8:0:0:abcd:1234:5678:9abc')).toBe(bucket);
    expect(deviceIpBucket('2001:db8::7%eth0')).toBe(bucket);
    expect(deviceIpBucket('2001:db8:0:1::7')).not.toBe(bucket);
  });

  it('refuses what is not an address', () => {
    expect(() => deviceIpBucket('not-an-ip')).toThrow(RangeError);
  });
});
