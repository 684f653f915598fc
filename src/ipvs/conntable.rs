//! The kernel's connection table, read from `/proc/net/ip_vs_conn` (the
//! kernel has no netlink command for it).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One connection (or persistence template) the director tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnEntry {
    /// `TCP`, `UDP`, `SCTP`, `IP` (fwmark templates), ...
    pub protocol: String,
    pub client: SocketAddr,
    pub virtual_addr: SocketAddr,
    /// The backend that serves it.
    pub dest: SocketAddr,
    /// `ESTABLISHED`, `TIME_WAIT`, `UDP`, `ASSURED` (templates), ...
    pub state: String,
    /// Seconds until it expires.
    pub expires: u32,
    pub pe_name: Option<String>,
    pub pe_data: Option<String>,
}

impl ConnEntry {
    /// Persistence templates have client port 0.
    pub fn is_template(&self) -> bool {
        self.client.port() == 0
    }
}

/// Parses the text of `/proc/net/ip_vs_conn`, skipping its header and any
/// line it cannot read.
pub fn parse_conn_table(text: &str) -> Vec<ConnEntry> {
    text.lines().skip(1).filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<ConnEntry> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [protocol, caddr, cport, vaddr, vport, daddr, dport, state, expires, rest @ ..] = f.as_slice() else {
        return None;
    };
    Some(ConnEntry {
        protocol: protocol.to_string(),
        client: SocketAddr::new(parse_addr(caddr)?, parse_port(cport)?),
        virtual_addr: SocketAddr::new(parse_addr(vaddr)?, parse_port(vport)?),
        dest: SocketAddr::new(parse_addr(daddr)?, parse_port(dport)?),
        state: state.to_string(),
        expires: expires.parse().ok()?,
        pe_name: rest.first().map(|s| s.to_string()),
        pe_data: rest.get(1).map(|s| s.to_string()),
    })
}

/// IPv4 as 8 hex digits in host order; IPv6 as full `xxxx:xxxx:...`.
fn parse_addr(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    u32::from_str_radix(text, 16).ok().map(|n| IpAddr::V4(Ipv4Addr::from(n)))
}

fn parse_port(text: &str) -> Option<u16> {
    u16::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured in the guest (docs/ipvsadm-format.md, "The connection table"):
    // a template and a TIME_WAIT connection.
    const TABLE: &str = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP 6F6F0002 0000 6F6F0001 0050 0A0A0003 1F40 ASSURED         298
TCP 6F6F0002 BC50 6F6F0001 0050 0A0A0003 1F40 TIME_WAIT       118
UDP 2001:0db8:0000:0000:0000:0000:0000:0002 8235 2001:0db8:0000:0000:0000:0000:0000:0001 0035 2001:0db8:0000:0000:0000:0000:0000:0010 0035 UDP             299 sip abc
";

    #[test]
    fn reads_v4_v6_and_templates() {
        let conns = parse_conn_table(TABLE);
        assert_eq!(conns.len(), 3);
        assert!(conns[0].is_template());
        assert_eq!(conns[1].client, "111.111.0.2:48208".parse().unwrap());
        assert_eq!(conns[1].dest, "10.10.0.3:8000".parse().unwrap());
        assert_eq!((conns[1].state.as_str(), conns[1].expires), ("TIME_WAIT", 118));
        assert_eq!(conns[2].virtual_addr, "[2001:db8::1]:53".parse().unwrap());
        assert_eq!(conns[2].pe_name.as_deref(), Some("sip"));
    }

    #[test]
    fn unreadable_lines_are_skipped() {
        assert!(parse_conn_table("header\nTCP zz 1 2\n\n").is_empty());
    }
}
