//! keepalived.conf's values as keepalived reads them: addresses, ports,
//! marks, numbers, the
//! forwarding method with its tunnel (check_parser.c,
//! `svr_forwarding_handler`) and `lvs_timeouts` (core/global_parser.c).

use super::bad_value;
use std::net::IpAddr;

use crate::ipvs::{Family, Forward, Tunnel, TunnelCsum, TunnelKind};
use crate::lang::ast::TimeoutsDecl;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::keepalived::Node;
use crate::lang::source::{Span, Spanned};

/// The longest persistence keepalived accepts: LVS_MAX_TIMEOUT, 31 days.
pub(super) const MAX_TIMEOUT: u32 = 86_400 * 31;

/// The word after a keyword, which it needs.
pub(super) fn value<'n>(node: &'n Node, what: &str) -> Result<&'n Spanned<String>, Box<Diagnostic>> {
    node.arg(0).ok_or_else(|| {
        bad_value(
            node.keyword.span,
            format!("`{}` needs {what}", node.keyword.value),
            "nothing after it",
            format!("write `{} VALUE`", node.keyword.value),
        )
    })
}

/// An IP address (keepalived resolves no names either).
pub(super) fn ip(word: &Spanned<String>, help: &str) -> Result<IpAddr, Box<Diagnostic>> {
    word.value.parse().map_err(|_| {
        bad_value(word.span, format!("`{}` is not an IP address", word.value), "not an address", help)
    })
}

/// A port as keepalived reads one: none, or 0, is port 0.
pub(super) fn port(word: Option<&Spanned<String>>) -> Result<u16, Box<Diagnostic>> {
    let Some(word) = word else { return Ok(0) };
    word.value.parse().map_err(|_| {
        bad_value(
            word.span,
            format!("`{}` is not a port", word.value),
            "a port from 0 to 65535",
            "write the port as a number",
        )
    })
}

/// The mark after `fwmark` (at `keyword`): from 1 up, as the kernel reads 0 as no mark.
pub(super) fn mark(keyword: Span, word: Option<&Spanned<String>>) -> Result<u32, Box<Diagnostic>> {
    let word = word.ok_or_else(|| {
        bad_value(keyword, "`fwmark` needs its mark", "no mark after it", "write `fwmark N`")
    })?;
    match word.value.parse::<u32>() {
        Ok(mark) if mark > 0 => Ok(mark),
        _ => Err(bad_value(
            word.span,
            format!("`{}` is not a firewall mark", word.value),
            "a mark from 1 to 4294967295",
            "the kernel reads mark 0 as no mark at all",
        )),
    }
}

/// `inet` or `inet6`.
pub(super) fn family(word: &Spanned<String>, help: &str) -> Result<Family, Box<Diagnostic>> {
    match word.value.as_str() {
        "inet" => Ok(Family::V4),
        "inet6" => Ok(Family::V6),
        other => Err(bad_value(
            word.span,
            format!("`{other}` is not an address family"),
            "not `inet` or `inet6`",
            help,
        )),
    }
}

/// A whole number from `min` to `max`.
pub(super) fn number(word: &Spanned<String>, min: u64, max: u64, what: &str) -> Result<u64, Box<Diagnostic>> {
    word.value.parse::<u64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
        bad_value(
            word.span,
            format!("`{}` is not {what} from {min} to {max}", word.value),
            "out of range or not a number",
            format!("write a whole number from {min} to {max}"),
        )
    })
}

/// A connection threshold, with where it was written.
pub(super) fn spanned_number(word: &Spanned<String>) -> Result<Spanned<u32>, Box<Diagnostic>> {
    let n = number(word, 0, u32::MAX as u64, "a connection count")?;
    Ok(Spanned::new(n as u32, word.span))
}

/// `lb_kind`/`lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`,
/// checked as check_parser.c's `svr_forwarding_handler` checks it.
pub(super) fn forward(node: &Node) -> Result<Forward, Box<Diagnostic>> {
    let method = value(node, "a forwarding method (NAT, DR or TUN)")?;
    let options = &node.args[1..];
    let help_tunnel = "write `TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]` (gue needs its port)";
    match method.value.as_str() {
        "NAT" | "DR" => {
            if let Some(extra) = options.first() {
                return Err(bad_value(
                    extra.span,
                    format!("`{}` is a tunnel option, and {} is no tunnel", extra.value, method.value),
                    "only TUN takes it",
                    "delete it, or make the method TUN",
                ));
            }
            Ok(if method.value == "NAT" { Forward::Masq } else { Forward::Route })
        }
        "TUN" => {
            let (mut kind, mut port, mut csum) = ("ipip", None::<&Spanned<String>>, TunnelCsum::NoCsum);
            let mut words = options.iter();
            while let Some(word) = words.next() {
                match word.value.as_str() {
                    "type" => {
                        let t = words.next().ok_or_else(|| {
                            bad_value(
                                word.span,
                                "`type` needs a tunnel type",
                                "ipip, gue or gre after it",
                                help_tunnel,
                            )
                        })?;
                        kind = match t.value.as_str() {
                            "ipip" => "ipip",
                            "gue" => "gue",
                            "gre" => "gre",
                            other => {
                                return Err(bad_value(
                                    t.span,
                                    format!("`{other}` is not a tunnel type"),
                                    "not ipip, gue or gre",
                                    help_tunnel,
                                ))
                            }
                        };
                    }
                    "port" => {
                        port = Some(words.next().ok_or_else(|| {
                            bad_value(word.span, "`port` needs the gue port", "a port after it", help_tunnel)
                        })?)
                    }
                    "nocsum" => csum = TunnelCsum::NoCsum,
                    "csum" => csum = TunnelCsum::Csum,
                    "remcsum" => csum = TunnelCsum::RemCsum,
                    other => {
                        return Err(bad_value(
                            word.span,
                            format!("`{other}` is not a tunnel option"),
                            "unknown option",
                            help_tunnel,
                        ))
                    }
                }
            }
            let kind = match (kind, port) {
                ("gue", Some(p)) => TunnelKind::Gue { port: number(p, 1, 65535, "a gue port")? as u16 },
                ("gue", None) => {
                    return Err(bad_value(
                        node.line_span(),
                        "a gue tunnel needs its port",
                        "no `port N`",
                        help_tunnel,
                    ))
                }
                (_, Some(p)) => {
                    return Err(bad_value(p.span, "only a gue tunnel has a port", "not gue", help_tunnel))
                }
                ("gre", None) => TunnelKind::Gre,
                _ => TunnelKind::Ipip,
            };
            match (kind, csum) {
                (TunnelKind::Ipip, TunnelCsum::Csum | TunnelCsum::RemCsum) => Err(bad_value(
                    node.line_span(),
                    "an ipip tunnel has no checksum option",
                    "ipip with a checksum",
                    help_tunnel,
                )),
                (TunnelKind::Gre, TunnelCsum::RemCsum) => Err(bad_value(
                    node.line_span(),
                    "a gre tunnel has no remote checksum",
                    "gre with remcsum",
                    help_tunnel,
                )),
                _ => Ok(Forward::Tunnel(Tunnel { kind, csum })),
            }
        }
        other => Err(bad_value(
            method.span,
            format!("`{other}` is not a forwarding method keepalived knows"),
            "not NAT, DR or TUN",
            "write NAT, DR or TUN, in capitals",
        )),
    }
}

/// `lvs_timeouts [tcp N] [tcpfin N] [udp N]`: 0 leaves one unchanged.
pub(super) fn timeouts(node: &Node) -> Result<TimeoutsDecl, Box<Diagnostic>> {
    let mut t = TimeoutsDecl::default();
    let mut words = node.args.iter();
    let help = "write `lvs_timeouts [tcp SECONDS] [tcpfin SECONDS] [udp SECONDS]`";
    while let Some(word) = words.next() {
        let slot = match word.value.as_str() {
            "tcp" => &mut t.tcp,
            "tcpfin" => &mut t.tcp_fin,
            "udp" => &mut t.udp,
            other => {
                return Err(bad_value(
                    word.span,
                    format!("`{other}` is not a timeout"),
                    "not tcp, tcpfin or udp",
                    help,
                ))
            }
        };
        let n = words.next().ok_or_else(|| {
            bad_value(word.span, format!("`{}` needs its seconds", word.value), "no number after it", help)
        })?;
        let seconds = number(n, 0, MAX_TIMEOUT as u64, "a timeout in seconds")? as u32;
        *slot = (seconds > 0).then_some(seconds);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::source::Source;

    fn node(line: &str) -> Node {
        crate::lang::keepalived::parse(&Source::new("k", line)).unwrap().remove(0)
    }

    fn method(words: &str) -> Result<String, String> {
        forward(&node(&format!("lvs_method {words}"))).map(|f| format!("{f:?}")).map_err(|d| d.message)
    }

    #[test]
    fn every_tunnel_form_keepalived_takes_is_read() {
        let tunnel =
            |kind: TunnelKind, csum: TunnelCsum| Ok(format!("{:?}", Forward::Tunnel(Tunnel { kind, csum })));
        assert_eq!(method("NAT"), Ok(format!("{:?}", Forward::Masq)));
        assert_eq!(method("DR"), Ok(format!("{:?}", Forward::Route)));
        assert_eq!(method("TUN"), tunnel(TunnelKind::Ipip, TunnelCsum::NoCsum));
        assert_eq!(method("TUN type ipip nocsum"), tunnel(TunnelKind::Ipip, TunnelCsum::NoCsum));
        assert_eq!(
            method("TUN type gue port 6080"),
            tunnel(TunnelKind::Gue { port: 6080 }, TunnelCsum::NoCsum)
        );
        assert_eq!(
            method("TUN port 6080 type gue csum"),
            tunnel(TunnelKind::Gue { port: 6080 }, TunnelCsum::Csum)
        );
        assert_eq!(
            method("TUN type gue port 1 remcsum"),
            tunnel(TunnelKind::Gue { port: 1 }, TunnelCsum::RemCsum)
        );
        assert_eq!(method("TUN type gre"), tunnel(TunnelKind::Gre, TunnelCsum::NoCsum));
        assert_eq!(method("TUN type gre csum"), tunnel(TunnelKind::Gre, TunnelCsum::Csum));
    }

    #[test]
    fn tunnels_keepalived_refuses_are_refused() {
        for (words, message) in [
            ("TUN type gue", "a gue tunnel needs its port"),
            ("TUN type ipip port 80", "only a gue tunnel has a port"),
            ("TUN type gue port 0", "`0` is not a gue port from 1 to 65535"),
            ("TUN type ipip csum", "an ipip tunnel has no checksum option"),
            ("TUN type gre remcsum", "a gre tunnel has no remote checksum"),
            ("TUN type vxlan", "`vxlan` is not a tunnel type"),
            ("TUN fast", "`fast` is not a tunnel option"),
            ("DR csum", "`csum` is a tunnel option, and DR is no tunnel"),
            ("nat", "`nat` is not a forwarding method keepalived knows"),
        ] {
            assert_eq!(method(words), Err(message.to_string()), "{words}");
        }
    }

    #[test]
    fn timeouts_are_read_in_any_order_and_0_leaves_one_unset() {
        let t = timeouts(&node("lvs_timeouts udp 300 tcp 900 tcpfin 0")).unwrap();
        assert_eq!(t, TimeoutsDecl { tcp: Some(900), tcp_fin: None, udp: Some(300) });
        let e = timeouts(&node("lvs_timeouts tcp")).unwrap_err();
        assert_eq!(e.message, "`tcp` needs its seconds");
        let e = timeouts(&node("lvs_timeouts syn 5")).unwrap_err();
        assert_eq!(e.message, "`syn` is not a timeout");
    }
}
