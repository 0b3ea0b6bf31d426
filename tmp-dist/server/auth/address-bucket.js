import { isIPv6 } from 'node:net';
/**
 * The unit per-address limits count: an IPv4 address as is, an IPv6 address by its /64. One
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would be no limit.
 */
export function addressBucket(ip) {
    // IPv4-mapped IPv6 (::ffff:1.2.3.4, a dual-stack socket) is an IPv4 client.
    if (!isIPv6(ip) || ip.includes('.'))
        return ip;
    const address = ip.toLowerCase().split('%')[0] ?? '';
    const [head = '', tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const compressed = address.includes('::');
    const right = compressed && tail ? tail.split(':') : [];
    const groups = compressed
        ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
        : left;
    const prefix = groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, ''));
    return `${prefix.join(':')}::/64`;
}
