//! A namespace's interfaces and their `net.ipv4.conf` settings: the
//! interfaces from `ip -j addr` (names, flags, link types, addresses), the
//! settings from `/proc/sys/net/ipv4/conf/*/` as read inside it.

use std::net::IpAddr;

use super::facts::{Conf, ConfValues, Link};

/// The interfaces of `ip -j addr`'s answer. Its output has stderr mixed in
/// (one pipe): the JSON is the line that starts with `[`. Entries it cannot
/// read are skipped.
pub fn parse_links(text: &str) -> Vec<Link> {
    let Some(json) = text.lines().find(|l| l.trim_start().starts_with('[')) else { return Vec::new() };
    let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(json) else { return Vec::new() };
    entries.iter().filter_map(parse_link).collect()
}

fn parse_link(entry: &serde_json::Value) -> Option<Link> {
    let text = |key: &str| entry.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let flags: Vec<&str> = entry.get("flags")?.as_array()?.iter().filter_map(|f| f.as_str()).collect();
    let addrs = entry
        .get("addr_info")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let ip = a.get("local")?.as_str()?.parse::<IpAddr>().ok()?;
            let len = u8::try_from(a.get("prefixlen")?.as_u64()?).ok()?;
            Some((ip, len))
        })
        .collect();
    Some(Link {
        name: text("ifname")?,
        up: flags.contains(&"UP"),
        noarp: flags.contains(&"NOARP") || flags.contains(&"LOOPBACK"),
        link_type: text("link_type").unwrap_or_default(),
        addrs,
    })
}

/// The `net.ipv4.conf.*` settings of the namespace this thread is in.
pub fn read_conf() -> Conf {
    let dir = "/proc/sys/net/ipv4/conf";
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.sort();
    let value = |name: &str, key: &str| -> Option<u32> {
        std::fs::read_to_string(format!("{dir}/{name}/{key}")).ok()?.trim().parse().ok()
    };
    let ifaces = names
        .into_iter()
        .map(|name| {
            let values = ConfValues {
                rp_filter: value(&name, "rp_filter"),
                arp_ignore: value(&name, "arp_ignore"),
                arp_announce: value(&name, "arp_announce"),
                accept_local: value(&name, "accept_local"),
            };
            (name, values)
        })
        .collect();
    Conf { ifaces }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_are_read_from_ips_json() {
        let text = "Cannot find device\n\
            [{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"link_type\":\"loopback\",\
            \"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8},\
            {\"family\":\"inet\",\"local\":\"111.111.0.1\",\"prefixlen\":32}]},\
            {\"ifindex\":2,\"ifname\":\"tunl0\",\"flags\":[\"NOARP\"],\"link_type\":\"ipip\",\"addr_info\":[]},\
            {\"ifindex\":3,\"ifname\":\"eth1\",\"flags\":[\"BROADCAST\",\"UP\"],\"link_type\":\"ether\",\
            \"addr_info\":[{\"family\":\"inet\",\"local\":\"10.10.0.2\",\"prefixlen\":24}]}]\n";
        let links = parse_links(text);
        assert_eq!(
            links,
            vec![
                Link {
                    name: "lo".into(),
                    up: true,
                    noarp: true,
                    link_type: "loopback".into(),
                    addrs: vec![("127.0.0.1".parse().unwrap(), 8), ("111.111.0.1".parse().unwrap(), 32)],
                },
                Link {
                    name: "tunl0".into(),
                    up: false,
                    noarp: true,
                    link_type: "ipip".into(),
                    addrs: vec![]
                },
                Link {
                    name: "eth1".into(),
                    up: true,
                    noarp: false,
                    link_type: "ether".into(),
                    addrs: vec![("10.10.0.2".parse().unwrap(), 24)],
                },
            ]
        );
        assert_eq!(parse_links("RTNETLINK answers: Operation not permitted\n"), vec![]);
    }
}
