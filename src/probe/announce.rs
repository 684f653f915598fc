//! Attribution from a backend's own reply: a backend that announces who it
//! is (its address, or its lab node name, as lvsh's `serve` does) can be told
//! even when the director's connection table is out of reach.
//!
//! Only an unambiguous announcement counts: a reply that names two backends,
//! or none, attributes nothing.

use std::net::{IpAddr, SocketAddr};

/// How much of a reply is searched: announcements come first, and a large
/// body is not worth scanning.
const SEARCHED: usize = 4096;

/// The backend `reply` names, if exactly one of `backends` is named: by
/// `ip:port`, else by IP alone, else by a name in `names` (name, backend).
pub fn announced(
    reply: &[u8],
    backends: &[SocketAddr],
    names: &[(String, SocketAddr)],
) -> Option<SocketAddr> {
    let text = String::from_utf8_lossy(&reply[..reply.len().min(SEARCHED)]);
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ",;()<>\"'=/|".contains(c))
        .map(|t| t.trim_end_matches(['.', ':']))
        .filter(|t| !t.is_empty())
        .collect();
    let by_addr =
        unique(tokens.iter().filter_map(|t| t.parse::<SocketAddr>().ok()).filter(|a| backends.contains(a)));
    let by_ip = || {
        let ips: Vec<IpAddr> = tokens.iter().filter_map(|t| t.parse::<IpAddr>().ok()).collect();
        unique(backends.iter().copied().filter(|b| ips.contains(&b.ip())))
    };
    let by_name = || {
        unique(
            names
                .iter()
                .filter(|(name, addr)| backends.contains(addr) && tokens.contains(&name.as_str()))
                .map(|(_, addr)| *addr),
        )
    };
    by_addr.or_else(by_ip).or_else(by_name)
}

/// The one distinct item, or `None` for none or several.
fn unique(items: impl Iterator<Item = SocketAddr>) -> Option<SocketAddr> {
    let mut found: Option<SocketAddr> = None;
    for item in items {
        match found {
            Some(seen) if seen != item => return None,
            _ => found = Some(item),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn two() -> Vec<SocketAddr> {
        vec![a("10.10.0.2:8000"), a("10.10.0.3:8000")]
    }

    #[test]
    fn a_reply_naming_a_backend_address_attributes_it() {
        assert_eq!(announced(b"int2 (10.10.0.3:8000)\n", &two(), &[]), Some(a("10.10.0.3:8000")));
        assert_eq!(announced(b"Server address: 10.10.0.2:8000.", &two(), &[]), Some(a("10.10.0.2:8000")));
    }

    #[test]
    fn an_ip_alone_is_enough_when_it_is_one_backend() {
        assert_eq!(announced(b"hello from 10.10.0.2\n", &two(), &[]), Some(a("10.10.0.2:8000")));
    }

    #[test]
    fn a_longer_address_does_not_match_a_prefix() {
        assert_eq!(announced(b"hello from 10.10.0.23\n", &two(), &[]), None);
    }

    #[test]
    fn two_backends_on_one_ip_need_the_port() {
        let same_ip = vec![a("10.10.0.2:8000"), a("10.10.0.2:8001")];
        assert_eq!(announced(b"10.10.0.2", &same_ip, &[]), None);
        assert_eq!(announced(b"10.10.0.2:8001", &same_ip, &[]), Some(a("10.10.0.2:8001")));
    }

    #[test]
    fn a_node_name_maps_through_the_names() {
        let names =
            vec![("int1".to_string(), a("10.10.0.2:8000")), ("int2".to_string(), a("10.10.0.3:8000"))];
        assert_eq!(announced(b"int2\n", &two(), &names), Some(a("10.10.0.3:8000")));
        assert_eq!(announced(b"int12\n", &two(), &names), None);
    }

    #[test]
    fn ambiguous_or_silent_replies_attribute_nothing() {
        assert_eq!(announced(b"10.10.0.2:8000 and 10.10.0.3:8000", &two(), &[]), None);
        assert_eq!(announced(b"xxx\n", &two(), &[]), None);
        assert_eq!(announced(b"", &two(), &[]), None);
        assert_eq!(announced(&[0xff, 0xfe, 0x00], &two(), &[]), None);
    }

    #[test]
    fn ipv6_backends_are_recognised() {
        let v6 = vec![a("[fd00::2]:8000"), a("[fd00::3]:8000")];
        assert_eq!(announced(b"served by [fd00::3]:8000", &v6, &[]), Some(a("[fd00::3]:8000")));
        assert_eq!(announced(b"served by fd00::2", &v6, &[]), Some(a("[fd00::2]:8000")));
    }

    #[test]
    fn an_address_that_is_not_a_backend_is_ignored() {
        assert_eq!(announced(b"10.99.0.1:8000", &two(), &[]), None);
    }
}
