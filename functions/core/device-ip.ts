import { isIP } from 'node:net';

/**
 * The bucket a device IP is counted in for the per-device limit. The same address can be written many
 * ways (`2001:DB8::7`, `2001:db8:0:0:0:0:0:7`), an IPv4 client can reach the service through an IPv6
 * form that carries its IPv4 address, and one device rotates freely inside its IPv6 /64, so: IPv4 as
 * itself, an IPv6 address that carries an IPv4 address (`embeddedIpv4`) as that IPv4 address, any
 * other IPv6 address as its /64 prefix.
 */
export function deviceIpBucket(ip: string): string {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) throw new RangeError('not an IP address');
  const groups = ipv6Groups(ip.toLowerCase().replace(/%.*$/, ''));
  return (
    embeddedIpv4(groups) ??
    `${groups
      .slice(0, 4)
      .map((group) => group.toString(16))
      .join(':')}::/64`
  );
}

/**
 * The IPv4 address an IPv6 address stands for, by its eight 16-bit groups, or undefined:
 * - `::ffff:a.b.c.d`, IPv4-mapped (RFC 4291 §2.5.5.2), and `::ffff:0:a.b.c.d`, IPv4-translated
 *   (RFC 2765);
 * - `64:ff9b::a.b.c.d`, the NAT64 well-known prefix (RFC 6052): an IPv6-only client reaching an IPv4
 *   service through a translator, as the service's own IPv4 clients do;
 * - `::a.b.c.d`, IPv4-compatible (RFC 4291 §2.5.5.1, deprecated), only for an IPv4 address outside
 *   0.0.0.0/8: `::` (unspecified) and `::1` (loopback) are not IPv4 clients, and stay in the /64
 *   bucket `0:0:0:0::/64` with the rest of `::/96`, apart from every IPv4 bucket;
 * - `2002:aabb:ccdd::/48`, 6to4 (RFC 3056): the site's IPv4 address is bits 16–47;
 * - `2001:0:…`, Teredo (RFC 4380): the client's public IPv4 address is the last 32 bits, inverted.
 * NAT64 with a network-specific prefix (e.g. `64:ff9b:1::/48`, RFC 8215) cannot be told from any
 * other IPv6 address and is counted by its /64.
 */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const group = (index: number) => groups[index] ?? 0;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((value) => value === 0);
  if (zeros(0, 5) && group(5) === 0xffff) return ipv4Of(group(6), group(7));
  if (zeros(0, 4) && group(4) === 0xffff && group(5) === 0) return ipv4Of(group(6), group(7));
  if (group(0) === 0x64 && group(1) === 0xff9b && zeros(2, 6)) return ipv4Of(group(6), group(7));
  if (zeros(0, 6) && group(6) >> 8 !== 0) return ipv4Of(group(6), group(7));
  if (group(0) === 0x2002) return ipv4Of(group(1), group(2));
  if (group(0) === 0x2001 && group(1) === 0) return ipv4Of(group(6) ^ 0xffff, group(7) ^ 0xffff);
  return undefined;
}

/** Two 16-bit groups as a dotted IPv4 address. */
const ipv4Of = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');

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
