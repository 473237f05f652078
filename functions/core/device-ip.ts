import { isIP } from 'node:net';

/**
 * The bucket a device IP is counted in for the per-device limit. The same address can be written many
 * ways (`2001:DB8::7`, `2001:db8:0:0:0:0:0:7`, `::ffff:203.0.113.7` for an IPv4 client), and one device
 * rotates freely inside its IPv6 /64, so: IPv4 as itself, IPv4-mapped IPv6 as the IPv4 address, any
 * other IPv6 address as its /64 prefix.
 */
export function deviceIpBucket(ip: string): string {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) throw new RangeError('not an IP address');
  const groups = ipv6Groups(ip.toLowerCase().replace(/%.*$/, ''));
  const isIpv4Mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isIpv4Mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
