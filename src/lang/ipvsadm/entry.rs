//! What the options of one line have said so far, updated option by option
//! in the order given, as ipvsadm's `parse_options` does (the order matters:
//! `-M` is read by the family already known, `-r` without a port takes the
//! service port already known, `-6` needs `-f` before it).

use std::net::{IpAddr, Ipv4Addr};

use crate::ipvs::model::{Daemon, DaemonState, Family, Netmask, Persistence, Protocol, TunnelCsum};

use super::addr::{host_port, inet_aton, Names};
use super::error::IpvsadmError;
use super::lookup::Lookup;
use super::number::{atoi, fwmark, number_in};
use super::options::{Cmd, Col, Fwd, Seen, Tag, TunType};
use super::popt::Found;

/// ipvsadm's longest timeout (`-p`, `--set`): 31 days.
pub(super) const MAX_TIMEOUT: i64 = 86400 * 31;

/// The service the line names: an address or a firewall mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Inet { protocol: Protocol, addr: IpAddr },
    Fwmark { mark: u32, family: Family },
}

/// The service fields, before defaults are filled in.
#[derive(Debug, Clone)]
pub(super) struct SvcDraft {
    pub target: Option<Target>,
    /// The word holding the address or mark.
    pub word: Option<usize>,
    pub port: u16,
    /// Empty means "not given": wlc.
    pub scheduler: String,
    pub persistence: Option<u32>,
    pub netmask: Netmask,
    pub one_packet: bool,
    pub pe: String,
}

impl SvcDraft {
    /// The family ipvsadm's `svc.af` holds: unset until a service is given.
    pub fn family(&self) -> Option<Family> {
        match self.target? {
            Target::Inet { addr, .. } => Some(Family::of(addr)),
            Target::Fwmark { family, .. } => Some(family),
        }
    }
}

/// The real-server fields; defaults are ipvsadm's (direct routing, weight 1).
#[derive(Debug, Clone)]
pub(super) struct DestDraft {
    pub addr: Option<IpAddr>,
    /// The word holding the address.
    pub word: Option<usize>,
    pub port: u16,
    pub fwd: Fwd,
    pub weight: u32,
    pub upper: u32,
    pub lower: u32,
    pub tun_type: TunType,
    pub tun_port: u16,
    pub tun_csum: TunnelCsum,
}

/// Everything one line has said so far.
#[derive(Clone)]
pub(super) struct Entry<'a> {
    pub cmd: Cmd,
    /// The word holding the command.
    pub cmd_word: usize,
    pub seen: Seen,
    pub svc: SvcDraft,
    pub dest: DestDraft,
    /// The sync-daemon fields; an empty interface means "not given": eth0.
    pub daemon: Daemon,
    /// `-b`'s text and word; read once all options are in, against `-s`.
    pub sched_flags: Option<(&'a str, usize)>,
    /// Where host and service names are looked up.
    pub lookup: &'a dyn Lookup,
}

impl<'a> Entry<'a> {
    /// A line whose first option is `cmd` (its value, for the daemon
    /// commands, already checked by the caller into `state`).
    pub fn new(cmd: Cmd, cmd_word: usize, state: DaemonState, lookup: &'a dyn Lookup) -> Entry<'a> {
        Entry {
            cmd,
            cmd_word,
            seen: [None; Col::COUNT],
            svc: SvcDraft {
                target: None,
                word: None,
                port: 0,
                scheduler: String::new(),
                persistence: None,
                netmask: Netmask::V4(Ipv4Addr::BROADCAST),
                one_packet: false,
                pe: String::new(),
            },
            dest: DestDraft {
                addr: None,
                word: None,
                port: 0,
                fwd: Fwd::Route,
                weight: 1,
                upper: 0,
                lower: 0,
                tun_type: TunType::Ipip,
                tun_port: 0,
                tun_csum: TunnelCsum::NoCsum,
            },
            daemon: Daemon::new(state, "", 0),
            sched_flags: None,
            lookup,
        }
    }

    /// Takes one option after the command into account.
    pub fn apply(&mut self, found: &Found<'a>, words: &[&str]) -> Result<(), IpvsadmError> {
        if let Some(col) = found.flag.col {
            self.mark(col, found.word)?;
        }
        let (text, at) = found.value.unwrap_or(("", found.word));
        match found.flag.tag {
            Tag::Command(_) => Err(invalid(format!("invalid option `{}'", words[found.last]), found.last)),
            Tag::Marker => {
                self.marker(found.flag.col);
                Ok(())
            }
            tag @ (Tag::RealServer
            | Tag::Forward(_)
            | Tag::Weight
            | Tag::UThreshold
            | Tag::LThreshold
            | Tag::TunType
            | Tag::TunPort) => self.server_option(tag, text, at),
            tag @ (Tag::McastInterface
            | Tag::SyncId
            | Tag::McastGroup
            | Tag::McastPort
            | Tag::McastTtl
            | Tag::SyncMaxlen) => self.daemon_option(tag, text, at),
            tag => self.service_option(tag, found.value, found.word),
        }
    }

    /// `-t -u --sctp-service -f -6 -s -p -M -o --pe -b`.
    fn service_option(
        &mut self,
        tag: Tag,
        value: Option<(&'a str, usize)>,
        word: usize,
    ) -> Result<(), IpvsadmError> {
        let (text, at) = value.unwrap_or(("", word));
        match tag {
            Tag::Service(protocol) => self.service(protocol, text, at)?,
            Tag::Fwmark => self.fwmark(text, at)?,
            Tag::Ipv6 => self.ipv6(word)?,
            Tag::Scheduler => self.svc.scheduler = truncated(text, 15),
            Tag::Persistent => self.persistent(value)?,
            Tag::Netmask => self.netmask(text, at)?,
            Tag::Ops => self.svc.one_packet = true,
            Tag::Pe => self.svc.pe = truncated(text, 16),
            Tag::SchedFlags => self.sched_flags = value,
            _ => {}
        }
        Ok(())
    }

    /// `-r -g -i -m -w -x -y --tun-type --tun-port`.
    fn server_option(&mut self, tag: Tag, text: &str, at: usize) -> Result<(), IpvsadmError> {
        let int_max = i64::from(i32::MAX);
        let dest = &mut self.dest;
        match tag {
            Tag::RealServer => self.real_server(text, at)?,
            Tag::Forward(fwd) => dest.fwd = fwd,
            Tag::Weight => dest.weight = ranged(text, 0, int_max, "illegal weight specified", at)?,
            Tag::UThreshold => dest.upper = ranged(text, 0, int_max, "illegal u_threshold specified", at)?,
            Tag::LThreshold => dest.lower = ranged(text, 0, int_max, "illegal l_threshold specified", at)?,
            Tag::TunType => {
                dest.tun_type =
                    TunType::parse(text).ok_or_else(|| invalid("illegal tunnel type specified", at))?
            }
            Tag::TunPort => dest.tun_port = ranged(text, 1, 65535, "illegal tunnel port specified", at)?,
            _ => {}
        }
        Ok(())
    }

    /// `--mcast-interface --syncid --mcast-group --mcast-port --mcast-ttl --sync-maxlen`.
    fn daemon_option(&mut self, tag: Tag, text: &str, at: usize) -> Result<(), IpvsadmError> {
        let daemon = &mut self.daemon;
        match tag {
            Tag::McastInterface => daemon.interface = truncated(text, 15),
            Tag::SyncId => daemon.sync_id = ranged(text, 0, 255, "illegal syncid specified", at)?,
            Tag::McastGroup => daemon.group = Some(mcast_group(text, at)?),
            Tag::McastPort => daemon.port = Some(ranged(text, 1, 65535, "illegal mcast-port specified", at)?),
            Tag::McastTtl => daemon.ttl = Some(ranged(text, 1, 255, "illegal mcast-ttl specified", at)?),
            // The largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP).
            Tag::SyncMaxlen => {
                daemon.max_len = Some(ranged(text, 1, 65507, "illegal sync-maxlen specified", at)?)
            }
            _ => {}
        }
        Ok(())
    }

    /// ipvsadm's `set_option`: an option's column may be set once.
    fn mark(&mut self, col: Col, word: usize) -> Result<(), IpvsadmError> {
        if self.seen[col.index()].is_some() {
            return Err(invalid(format!("multiple '{}' options specified", col.name()), word));
        }
        self.seen[col.index()] = Some(word);
        Ok(())
    }

    /// The tunnel checksum options only set their mode; the rest only mark.
    fn marker(&mut self, col: Option<Col>) {
        match col {
            Some(Col::TunNoCsum) => self.dest.tun_csum = TunnelCsum::NoCsum,
            Some(Col::TunCsum) => self.dest.tun_csum = TunnelCsum::Csum,
            Some(Col::TunRemCsum) => self.dest.tun_csum = TunnelCsum::RemCsum,
            _ => {}
        }
    }

    fn service(&mut self, protocol: Protocol, text: &str, at: usize) -> Result<(), IpvsadmError> {
        let names = Names { lookup: self.lookup, protocol: Some(protocol) };
        let found = host_port(text, names)
            .ok_or_else(|| invalid("illegal virtual server address[:port] specified", at))?;
        self.svc.target = Some(Target::Inet { protocol, addr: found.addr });
        self.svc.word = Some(at);
        if found.addr.is_ipv6() {
            self.svc.netmask = Netmask::V6(128);
        }
        if let Some(port) = found.port {
            self.svc.port = port;
        }
        Ok(())
    }

    fn fwmark(&mut self, text: &str, at: usize) -> Result<(), IpvsadmError> {
        let mark =
            fwmark(text).ok_or_else(|| invalid(format!("invalid fwmark value `{text}' specified"), at))?;
        self.svc.target = Some(Target::Fwmark { mark, family: Family::V4 });
        self.svc.word = Some(at);
        Ok(())
    }

    fn persistent(&mut self, value: Option<(&str, usize)>) -> Result<(), IpvsadmError> {
        let timeout = match value {
            Some((text, at)) => timeout(text, 1, at)?,
            None => Persistence::DEFAULT_TIMEOUT,
        };
        self.svc.persistence = Some(timeout);
        Ok(())
    }

    /// Read as a prefix length when the service is already known to be
    /// IPv6, else as an IPv4 mask.
    fn netmask(&mut self, text: &str, at: usize) -> Result<(), IpvsadmError> {
        self.svc.netmask = if self.svc.family() == Some(Family::V6) {
            let prefix = u8::try_from(atoi(text)).ok().filter(|p| (1..=128).contains(p));
            Netmask::V6(prefix.ok_or_else(|| invalid("illegal ipv6 netmask specified", at))?)
        } else {
            let mask = inet_aton(text)
                .or_else(|| self.lookup.host(text))
                .ok_or_else(|| invalid("illegal virtual server persistent mask specified", at))?;
            Netmask::V4(mask)
        };
        Ok(())
    }

    fn real_server(&mut self, text: &str, at: usize) -> Result<(), IpvsadmError> {
        // A port name is looked up in the service's protocol (TCP for a
        // fwmark), as ipvsadm reads `-r` into a copy of the service.
        let protocol = match self.svc.target {
            Some(Target::Inet { protocol, .. }) => Some(protocol),
            Some(Target::Fwmark { .. }) => Some(Protocol::Tcp),
            None => None,
        };
        let found = host_port(text, Names { lookup: self.lookup, protocol })
            .ok_or_else(|| invalid("illegal real server address[:port] specified", at))?;
        self.dest.addr = Some(found.addr);
        self.dest.word = Some(at);
        self.dest.port = found.port.unwrap_or(self.svc.port);
        Ok(())
    }

    fn ipv6(&mut self, word: usize) -> Result<(), IpvsadmError> {
        let Some(Target::Fwmark { mark, .. }) = self.svc.target else {
            return Err(invalid("-6 used before -f\n", word));
        };
        self.svc.target = Some(Target::Fwmark { mark, family: Family::V6 });
        self.svc.netmask = Netmask::V6(128);
        Ok(())
    }
}

/// A validation failure at one word.
pub(super) fn invalid(message: impl Into<String>, word: usize) -> IpvsadmError {
    IpvsadmError::invalid(message, Some(word))
}

/// A number in `min..=max`, refused with `message`.
fn ranged<T: TryFrom<i64>>(
    text: &str,
    min: i64,
    max: i64,
    message: &str,
    at: usize,
) -> Result<T, IpvsadmError> {
    number_in(text, min, max).and_then(|n| T::try_from(n).ok()).ok_or_else(|| invalid(message, at))
}

/// ipvsadm's `parse_timeout` for a given value.
pub(super) fn timeout(text: &str, min: i64, at: usize) -> Result<u32, IpvsadmError> {
    ranged(text, min, MAX_TIMEOUT, &format!("invalid timeout value `{text}' specified"), at)
}

/// A multicast group: IPv6 when the text has a colon, else IPv4.
fn mcast_group(text: &str, at: usize) -> Result<IpAddr, IpvsadmError> {
    let (addr, family) = if text.contains(':') {
        (text.parse().ok().map(IpAddr::V6), "IPv6")
    } else {
        (text.parse().ok().map(IpAddr::V4), "IPv4")
    };
    addr.filter(IpAddr::is_multicast)
        .ok_or_else(|| invalid(format!("invalid {family} mcast-group `{text}'"), at))
}

/// The first `max` bytes, as ipvsadm's `strncpy` into a fixed buffer keeps
/// (cut back to a character boundary, since lvsh holds text, not bytes).
pub(super) fn truncated(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
