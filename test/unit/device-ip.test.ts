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

  it('counts every IPv6 form that carries an IPv4 address as that IPv4 address', () => {
    // One equivalence class per line: each form, however written, is the IPv4 address it carries.
    const classes: Record<string, string[]> = {
      '203.0.113.7': [
        '203.0.113.7',
        '::ffff:203.0.113.7', // IPv4-mapped
        '::ffff:cb00:7107',
        '::ffff:0:203.0.113.7', // IPv4-translated (SIIT)
        '::ffff:0:cb00:7107',
        '64:ff9b::203.0.113.7', // NAT64, well-known prefix
        '64:FF9B::cb00:7107',
        '64:ff9b:0:0:0:0:cb00:7107',
        '::203.0.113.7', // IPv4-compatible (deprecated)
        '::cb00:7107',
        '0:0:0:0:0:0:cb00:7107',
        '2002:cb00:7107::', // 6to4: the site's IPv4 address is bits 16-47, whatever follows
        '2002:cb00:7107::1',
        '2002:CB00:7107:1:2:3:4:5',
        '2001:0:4136:e378:8000:63bf:34ff:8ef8', // Teredo: the client's IPv4, inverted, in the last 32 bits
        '2001::ffff:34ff:8ef8',
      ],
      '198.51.100.1': ['198.51.100.1', '::ffff:198.51.100.1', '64:ff9b::c633:6401', '2002:c633:6401::9'],
    };
    for (const [ipv4, forms] of Object.entries(classes)) {
      for (const form of forms) expect(deviceIpBucket(form), form).toBe(ipv4);
    }
  });

  it('does not make :: or ::1 (or anything in ::/104) an IPv4 client: they share one IPv6 bucket of their own', () => {
    const bucket = '0:0:0:0::/64';
    for (const form of ['::', '::1', '::2', '::0.0.0.1', '::0.255.255.255', '0:0:0:0:0:0:0:1']) {
      expect(deviceIpBucket(form), form).toBe(bucket);
    }
    expect(deviceIpBucket('0.0.0.1')).toBe('0.0.0.1');
    expect(deviceIpBucket('::1.0.0.0')).toBe('1.0.0.0'); // outside 0.0.0.0/8: IPv4-compatible again
  });

  it('keeps IPv6 addresses that merely look close to those forms in their own /64', () => {
    expect(deviceIpBucket('64:ff9b:1::cb00:7107')).toBe('64:ff9b:1:0::/64'); // local-use NAT64 prefix
    expect(deviceIpBucket('64:ff9b::1:0:cb00:7107')).toBe('64:ff9b:0:0::/64'); // not zeros in bits 64-95
    expect(deviceIpBucket('::fffe:cb00:7107')).toBe('0:0:0:0::/64');
    expect(deviceIpBucket('2003:cb00:7107::1')).toBe('2003:cb00:7107:0::/64');
    expect(deviceIpBucket('2001:db8::cb00:7107')).toBe('2001:db8:0:0::/64');
    expect(deviceIpBucket('2001:1::cb00:7107')).toBe('2001:1:0:0::/64');
  });

  it('refuses what is not an address', () => {
    expect(() => deviceIpBucket('not-an-ip')).toThrow(RangeError);
  });
});
