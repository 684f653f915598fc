//! The sockets of a namespace, from `/proc/net/{tcp,tcp6,udp,udp6}` as
//! read in it: which TCP sockets listen and which UDP sockets are bound.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// TCP's LISTEN state in those files.
const TCP_LISTEN: u8 = 0x0A;

/// Each socket's local address and state, from one of those files; lines
/// it cannot read are skipped.
pub fn parse(text: &str) -> Vec<(SocketAddr, u8)> {
    text.lines().skip(1).filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(SocketAddr, u8)> {
    let mut fields = line.split_whitespace();
    let local = fields.nth(1)?;
    let state = u8::from_str_radix(fields.nth(1)?, 16).ok()?;
    let (ip, port) = local.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some((SocketAddr::new(parse_ip(ip)?, port), state))
}

/// The kernel prints the address as 32-bit words in the machine's byte order.
fn parse_ip(hex: &str) -> Option<IpAddr> {
    let words: Option<Vec<[u8; 4]>> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok().map(u32::to_ne_bytes))
        .collect();
    let bytes: Vec<u8> = words?.concat();
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let octets: [u8; 16] = bytes.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

/// The listening TCP sockets of a file's text.
pub fn tcp_listening(text: &str) -> Vec<SocketAddr> {
    parse(text).into_iter().filter(|(_, state)| *state == TCP_LISTEN).map(|(addr, _)| addr).collect()
}

/// The bound UDP sockets of a file's text (any state: a bound socket takes datagrams).
pub fn udp_bound(text: &str) -> Vec<SocketAddr> {
    parse(text).into_iter().map(|(addr, _)| addr).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_endian = "little")]
    fn listening_sockets_are_read_in_the_machines_byte_order() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
           1: 0200000A:1F41 0300000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n\
           2: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n";
        assert_eq!(tcp_listening(tcp), ["0.0.0.0:8000".parse().unwrap(), "127.0.0.1:53".parse().unwrap()]);
        let tcp6 = "  sl  local_address                         remote_address                        st\n\
           0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 0\n";
        assert_eq!(tcp_listening(tcp6), ["[::1]:8000".parse::<SocketAddr>().unwrap()]);
        let udp = "  sl  local_address rem_address   st\n 5: 00000000:0035 00000000:0000 07 0\n";
        assert_eq!(udp_bound(udp), ["0.0.0.0:53".parse::<SocketAddr>().unwrap()]);
    }
}
