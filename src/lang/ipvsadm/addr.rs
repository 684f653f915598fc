//! Addresses as ipvsadm reads them: `host[:port]` with every `inet_aton`
//! form of IPv4 (`1.2.3.4`, `1.2.3`, `0x01020304`, octal parts), bare IPv6
//! (no port then) and `[IPv6]:port`.
//!
//! Where ipvsadm would look up a host name (`gethostbyname`) or a service
//! name (`getservbyname`), the [`Lookup`] given is asked; lvsh's own lines
//! give one that knows no name, and the word is refused with ipvsadm's
//! message for a bad address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::lookup::Lookup;
use super::number::{is_c_space, number_in};
use crate::ipvs::model::Protocol;

/// An address with the port when the word gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HostPort {
    pub addr: IpAddr,
    pub port: Option<u16>,
}

/// Where a word's names are looked up: the lookup, and the protocol whose
/// service names a port may be (none before the line names a service).
#[derive(Clone, Copy)]
pub(super) struct Names<'a> {
    pub lookup: &'a dyn Lookup,
    pub protocol: Option<Protocol>,
}

/// ipvsadm's `parse_service`; `None` for a bad word.
///
/// Quirks kept from ipvsadm: an all-digit word is refused (`-t 80`); a
/// bracketed IPv6 address needs `:port`; inside brackets a non-IPv6 text is
/// read as `host[:port]` on its own (`[1.2.3.4]:80` is 1.2.3.4 without a port).
pub(super) fn host_port(word: &str, names: Names<'_>) -> Option<HostPort> {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(inner) = word.strip_prefix('[') {
        let close = inner.find(']')?;
        let port = inner[close + 1..].strip_prefix(':')?;
        return match inner[..close].parse::<Ipv6Addr>() {
            Ok(v6) => with_port(IpAddr::V6(v6), Some(port), names),
            Err(_) => v4_host_port(&inner[..close], names),
        };
    }
    match word.parse::<Ipv6Addr>() {
        Ok(v6) => with_port(IpAddr::V6(v6), None, names),
        Err(_) => v4_host_port(word, names),
    }
}

/// `host[:port]` split at the last colon, host read by `inet_aton`, else
/// looked up as a name.
fn v4_host_port(text: &str, names: Names<'_>) -> Option<HostPort> {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    };
    let addr = inet_aton(host).or_else(|| names.lookup.host(host))?;
    with_port(IpAddr::V4(addr), port, names)
}

/// A port in decimal, else a service name of the protocol.
fn with_port(addr: IpAddr, port: Option<&str>, names: Names<'_>) -> Option<HostPort> {
    let port = match port {
        Some(text) => Some(match number_in(text, 0, 65535) {
            Some(number) => number as u16,
            None => names.lookup.port(text, names.protocol?)?,
        }),
        None => None,
    };
    Some(HostPort { addr, port })
}

/// glibc's `inet_aton`: one to four parts separated by dots, each decimal,
/// `0x` hex or `0` octal; the last part fills the remaining bytes; white
/// space ends the address and whatever follows it is ignored.
pub(super) fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let bytes = text.as_bytes();
    let mut leading: Vec<u32> = Vec::with_capacity(3);
    let mut i = 0;
    let last = loop {
        if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (value, end) = c_ulong(bytes, i)?;
        i = end;
        if bytes.get(i) != Some(&b'.') {
            break value;
        }
        if leading.len() > 2 || value > 0xff {
            return None;
        }
        leading.push(value);
        i += 1;
    };
    if bytes.get(i).is_some_and(|b| !is_c_space(*b)) {
        return None;
    }
    let max = [u32::MAX, 0xff_ffff, 0xffff, 0xff][leading.len()];
    if last > max {
        return None;
    }
    let high = leading.iter().enumerate().fold(0u32, |word, (k, part)| word | part << (24 - 8 * k));
    Some(Ipv4Addr::from(high | last))
}

/// `strtoul(text + start, &end, 0)` for a text that starts with a digit:
/// the value and where it ended; `None` above 32 bits (inet_aton refuses it).
fn c_ulong(bytes: &[u8], start: usize) -> Option<(u32, usize)> {
    let hex_digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
    let (radix, mut i) = match (bytes.get(start), bytes.get(start + 1)) {
        (Some(b'0'), Some(b'x' | b'X')) if hex_digit_at(start + 2) => (16, start + 2),
        (Some(b'0'), _) => (8, start),
        _ => (10, start),
    };
    let mut value: u64 = 0;
    while let Some(digit) = bytes.get(i).and_then(|b| char::from(*b).to_digit(radix)) {
        value = value * u64::from(radix) + u64::from(digit);
        if value > u64::from(u32::MAX) {
            return None;
        }
        i += 1;
    }
    Some((value as u32, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::ipvsadm::lookup::NoLookup;

    fn hp(word: &str) -> Option<(String, Option<u16>)> {
        let names = Names { lookup: &NoLookup, protocol: Some(Protocol::Tcp) };
        host_port(word, names).map(|hp| (hp.addr.to_string(), hp.port))
    }

    /// Knows the host `web` (10.0.0.7) and the TCP service `http` (80).
    struct Known;

    impl Lookup for Known {
        fn host(&self, name: &str) -> Option<Ipv4Addr> {
            (name == "web").then_some(Ipv4Addr::new(10, 0, 0, 7))
        }

        fn port(&self, name: &str, protocol: Protocol) -> Option<u16> {
            (name == "http" && protocol == Protocol::Tcp).then_some(80)
        }
    }

    fn named(word: &str, protocol: Option<Protocol>) -> Option<(String, Option<u16>)> {
        host_port(word, Names { lookup: &Known, protocol }).map(|hp| (hp.addr.to_string(), hp.port))
    }

    #[test]
    fn names_are_asked_only_where_a_number_does_not_parse() {
        let tcp = Some(Protocol::Tcp);
        assert_eq!(named("web:http", tcp), Some(("10.0.0.7".into(), Some(80))));
        assert_eq!(named("[web]:80", tcp), Some(("10.0.0.7".into(), None)));
        assert_eq!(named("1.2.3.4:http", tcp), Some(("1.2.3.4".into(), Some(80))));
        assert_eq!(named("web", tcp), Some(("10.0.0.7".into(), None)));
        assert_eq!(named("web:http", Some(Protocol::Udp)), None, "http is a TCP name here");
        assert_eq!(named("web:http", None), None, "no service yet: no protocol to look the port up in");
        assert_eq!(named("other:80", tcp), None);
        assert_eq!(named("[2001:db8::1]:http", tcp), Some(("2001:db8::1".into(), Some(80))));
    }

    #[test]
    fn inet_aton_reads_every_classic_form() {
        let cases = [
            ("1.2.3.4", "1.2.3.4"),
            ("1.2.3", "1.2.0.3"),
            ("1.2", "1.0.0.2"),
            ("16909060", "1.2.3.4"),
            ("0x01020305", "1.2.3.5"),
            ("010.0.0.1", "8.0.0.1"),
            ("0xff.0.0.0", "255.0.0.0"),
            ("1.2.3.4 trailing", "1.2.3.4"),
        ];
        for (text, want) in cases {
            assert_eq!(inet_aton(text).map(|a| a.to_string()), Some(want.to_string()), "{text}");
        }
    }

    #[test]
    fn inet_aton_refuses_malformed_text() {
        for text in
            ["", "a.b.c.d", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "08.1.1.1", "1.2.3.", "0x", "1..2", "-1"]
        {
            assert_eq!(inet_aton(text), None, "{text:?}");
        }
    }

    #[test]
    fn host_port_reads_v4_bare_v6_and_bracketed_v6() {
        assert_eq!(hp("1.2.3.4:80"), Some(("1.2.3.4".into(), Some(80))));
        assert_eq!(hp("1.2.3.4"), Some(("1.2.3.4".into(), None)));
        assert_eq!(hp("1.2.3.4:080"), Some(("1.2.3.4".into(), Some(80))));
        assert_eq!(hp("2001:db8::1"), Some(("2001:db8::1".into(), None)));
        assert_eq!(hp("[2001:db8::1]:443"), Some(("2001:db8::1".into(), Some(443))));
        assert_eq!(hp("1:80"), Some(("0.0.0.1".into(), Some(80))));
    }

    #[test]
    fn host_port_keeps_ipvsadm_bracket_quirk_for_v4() {
        assert_eq!(hp("[1.2.3.4]:80"), Some(("1.2.3.4".into(), None)));
    }

    #[test]
    fn host_port_refuses_names_digits_and_bad_ports() {
        for word in [
            "80",
            "",
            "localhost:80",
            "1.2.3.4:http",
            "1.2.3.4:65536",
            "1.2.3.4:",
            "[2001:db8::1]",
            "[2001:db8::1]:",
            "[2001:db8::1]x80",
            "[2001:db8::1",
            ":80",
        ] {
            assert_eq!(hp(word), None, "{word:?}");
        }
    }
}
