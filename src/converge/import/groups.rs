//! The members of a keepalived `virtual_server_group`, each written as
//! keepalived reads it (keepalived/check/check_data.c, `alloc_vsg_entry`,
//! and check/ipvswrapper.c, `ipvs_group_range_cmd`, which walks a range):
//! `ADDR [PORT]`, an address range `ADDR-N` (the last byte of an IPv4
//! address, the last 16 bits of an IPv6 one, in hex), `ADDR-ADDR`, a
//! prefix `ADDR/N` whose host bits are zero, or `fwmark N [inet|inet6]`.
//! A port omitted or 0 is port 0.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::bad_value;
use super::values::{family, mark, port};
use crate::ipvs::Family;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::keepalived::Node;

/// The most services one member may expand to.
pub const MOST: u128 = 65_536;

/// What one line of a group stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// One service per address, each on `port`.
    Addresses { addrs: Vec<IpAddr>, port: u16 },
    /// A firewall-mark service; its family, when the line gives one.
    Fwmark { mark: u32, family: Option<Family> },
}

/// The member a group's line declares.
pub fn member(node: &Node) -> Result<Member, Box<Diagnostic>> {
    let first = &node.keyword;
    if first.value == "fwmark" {
        let mark = mark(first.span, node.arg(0))?;
        let help = "write `fwmark N inet` or `fwmark N inet6`, or leave the family out";
        let family = node.arg(1).map(|w| family(w, help)).transpose()?;
        return Ok(Member::Fwmark { mark, family });
    }
    let port = port(node.arg(0))?;
    let addrs = addresses(&first.value).map_err(|why| {
        bad_value(
            first.span,
            format!("`{}` is not an address or range: {why}", first.value),
            "not an address or range",
            RANGE_HELP,
        )
    })?;
    Ok(Member::Addresses { addrs, port })
}

const RANGE_HELP: &str =
    "write an address (192.168.200.1), a range of its last byte (192.168.200.1-10), two addresses (192.168.200.250-192.168.201.10) or a prefix (192.168.202.8/29)";

/// Every address a member's first word stands for, in order.
fn addresses(word: &str) -> Result<Vec<IpAddr>, String> {
    if let Some((addr, bits)) = word.split_once('/') {
        return prefix(ip(addr)?, bits);
    }
    let Some((start, end)) = word.split_once('-') else { return Ok(vec![ip(word)?]) };
    let start = ip(start)?;
    let end = match (start, end.contains(['.', ':'])) {
        (_, true) => ip(end)?,
        (IpAddr::V4(a), false) => {
            let last = end.parse::<u8>().map_err(|_| format!("`{end}` is not a byte (0 to 255)"))?;
            let [a0, a1, a2, first] = a.octets();
            above(first.into(), last.into(), end)?;
            IpAddr::V4(Ipv4Addr::new(a0, a1, a2, last))
        }
        (IpAddr::V6(a), false) => {
            let last = u16::from_str_radix(end, 16)
                .map_err(|_| format!("`{end}` is not 16 bits in hex (0 to ffff)"))?;
            let mut segments = a.segments();
            above(segments[7], last, end)?;
            segments[7] = last;
            IpAddr::V6(Ipv6Addr::from(segments))
        }
    };
    span(start, end)
}

/// keepalived skips `ADDR-N` unless N is above the address's last part.
fn above(first: u16, last: u16, end: &str) -> Result<(), String> {
    match last > first {
        true => Ok(()),
        false => Err(format!("its end `{end}` is not above its start")),
    }
}

fn ip(text: &str) -> Result<IpAddr, String> {
    text.parse().map_err(|_| format!("`{text}` is not an IP address"))
}

/// The addresses of a prefix: the address must have no host bits set.
fn prefix(addr: IpAddr, bits: &str) -> Result<Vec<IpAddr>, String> {
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let bits: u32 = bits
        .parse()
        .ok()
        .filter(|b| (1..=width).contains(b))
        .ok_or_else(|| format!("`/{bits}` is not a prefix length (1 to {width})"))?;
    let host = if bits == width { 0 } else { u128::MAX >> (128 - (width - bits)) };
    if number(addr) & host != 0 {
        return Err(format!(
            "its host bits are not zero (the prefix starts at {})",
            from_number(addr, number(addr) & !host)
        ));
    }
    span(addr, from_number(addr, number(addr) | host))
}

/// The addresses from `start` to `end`, both included.
fn span(start: IpAddr, end: IpAddr) -> Result<Vec<IpAddr>, String> {
    if start.is_ipv4() != end.is_ipv4() {
        return Err("its two ends are of different address families".into());
    }
    // keepalived walks an IPv6 range by its last 16 bits alone.
    if let (IpAddr::V6(s), IpAddr::V6(e)) = (start, end) {
        if s.segments()[..7] != e.segments()[..7] {
            return Err("an IPv6 range may differ only in its last 16 bits".into());
        }
    }
    let (first, last) = (number(start), number(end));
    if last < first {
        return Err("it ends before it starts".into());
    }
    if last - first >= MOST {
        return Err(format!("it holds {} addresses: lvsh imports at most {MOST} per line", last - first + 1));
    }
    Ok((first..=last).map(|n| from_number(start, n)).collect())
}

fn number(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u32::from(a).into(),
        IpAddr::V6(a) => a.into(),
    }
}

/// The address of `like`'s family whose number is `n`.
fn from_number(like: IpAddr, n: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(n as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::source::Source;

    fn member_of(line: &str) -> Result<Member, String> {
        let nodes = crate::lang::keepalived::parse(&Source::new("g", line)).unwrap();
        member(&nodes[0]).map_err(|d| d.message)
    }

    fn addrs(line: &str) -> Vec<String> {
        match member_of(line) {
            Ok(Member::Addresses { addrs, .. }) => addrs.iter().map(IpAddr::to_string).collect(),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn each_range_form_expands_to_its_addresses() {
        assert_eq!(addrs("192.168.200.1 80"), ["192.168.200.1"]);
        assert_eq!(addrs("192.168.200.1-3 80"), ["192.168.200.1", "192.168.200.2", "192.168.200.3"]);
        assert_eq!(
            addrs("192.168.200.254-192.168.201.1"),
            ["192.168.200.254", "192.168.200.255", "192.168.201.0", "192.168.201.1"]
        );
        assert_eq!(
            addrs("192.168.202.8/30"),
            ["192.168.202.8", "192.168.202.9", "192.168.202.10", "192.168.202.11"]
        );
        assert_eq!(addrs("2001:db8::a-c"), ["2001:db8::a", "2001:db8::b", "2001:db8::c"]);
        assert_eq!(addrs("2001:db8::10/127"), ["2001:db8::10", "2001:db8::11"]);
        assert_eq!(addrs("10.0.0.1/32"), ["10.0.0.1"]);
    }

    #[test]
    fn ports_and_fwmarks_are_read_as_keepalived_reads_them() {
        assert_eq!(
            member_of("10.0.0.1"),
            Ok(Member::Addresses { addrs: vec!["10.0.0.1".parse().unwrap()], port: 0 })
        );
        assert_eq!(
            member_of("10.0.0.1 0080"),
            Ok(Member::Addresses { addrs: vec!["10.0.0.1".parse().unwrap()], port: 80 })
        );
        assert_eq!(member_of("fwmark 7"), Ok(Member::Fwmark { mark: 7, family: None }));
        assert_eq!(member_of("fwmark 8 inet6"), Ok(Member::Fwmark { mark: 8, family: Some(Family::V6) }));
    }

    #[test]
    fn a_range_keepalived_would_skip_is_refused_with_the_reason() {
        for (line, why) in [
            ("10.0.0.5-5 80", "`10.0.0.5-5` is not an address or range: its end `5` is not above its start"),
            ("10.0.0.9-3", "`10.0.0.9-3` is not an address or range: its end `3` is not above its start"),
            ("10.0.0.9-10.0.0.3", "`10.0.0.9-10.0.0.3` is not an address or range: it ends before it starts"),
            ("10.0.0.1-300", "`10.0.0.1-300` is not an address or range: `300` is not a byte (0 to 255)"),
            ("10.0.0.9/29", "`10.0.0.9/29` is not an address or range: its host bits are not zero (the prefix starts at 10.0.0.8)"),
            ("10.0.0.0/33", "`10.0.0.0/33` is not an address or range: `/33` is not a prefix length (1 to 32)"),
            ("10.0.0.0/8", "`10.0.0.0/8` is not an address or range: it holds 16777216 addresses: lvsh imports at most 65536 per line"),
            ("2001:db8::1-2001:db9::1", "`2001:db8::1-2001:db9::1` is not an address or range: an IPv6 range may differ only in its last 16 bits"),
            ("web.example 80", "`web.example` is not an address or range: `web.example` is not an IP address"),
            ("10.0.0.1 http", "`http` is not a port"),
            ("fwmark 0", "`0` is not a firewall mark"),
            ("fwmark 7 ipv6", "`ipv6` is not an address family"),
            ("fwmark", "`fwmark` needs its mark"),
        ] {
            assert_eq!(member_of(line), Err(why.to_string()), "{line}");
        }
    }
}
