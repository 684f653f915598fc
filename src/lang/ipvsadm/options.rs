//! ipvsadm's option table. One row per option popt knows drives both the
//! parsing (names, whether a value follows) and ipvsadm's legality checks
//! (the matrix column an option counts in), so the two cannot disagree.

use crate::ipvs::model::Protocol;

use super::error::IpvsadmError;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    None,
    Required,
    /// Taken only from `=value`, the rest of a short group, or a next word
    /// that does not start with `-` (popt's `POPT_ARGFLAG_OPTIONAL`).
    Optional,
}

/// An ipvsadm command; the first option of a line must be one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmd {
    AddService,
    EditService,
    DelService,
    Flush,
    List,
    AddServer,
    DelServer,
    EditServer,
    Set,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
    Help,
    Version,
}

impl Cmd {
    /// The name ipvsadm's messages give the command.
    pub fn name(self) -> &'static str {
        match self {
            Cmd::AddService => "add-service",
            Cmd::EditService => "edit-service",
            Cmd::DelService => "delete-service",
            Cmd::Flush => "flush",
            Cmd::List => "list",
            Cmd::AddServer => "add-server",
            Cmd::DelServer => "delete-server",
            Cmd::EditServer => "edit-server",
            Cmd::Set => "set",
            Cmd::StartDaemon => "start-daemon",
            Cmd::StopDaemon => "stop-daemon",
            Cmd::Restore => "restore",
            Cmd::Save => "save",
            Cmd::Zero => "zero",
            Cmd::Help => "help",
            Cmd::Version => "version",
        }
    }

    /// The command's row of ipvsadm's legality matrix, one byte per
    /// [`Col`]: `+` compulsory, `x` illegal, `1` at most one of the `1`s,
    /// `.` optional. Help and version exit before any check.
    pub(super) fn legality(self) -> &'static [u8; Col::COUNT] {
        //          -n -c svc -s -p -M -r fwd -w -x -y mc tot dmn st rt thr pc srt sid ex ops pe -b grp port ttl size tinf type tprt nocs csum remc
        match self {
            Cmd::AddService | Cmd::EditService => b"xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx",
            Cmd::DelService => b"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::List => b".11xxxxxxxxx11.......xxxxxxx.xxxxx",
            Cmd::AddServer | Cmd::EditServer => b"xx+xxx+....xxxxxxxxxxxxxxxxxx.....",
            Cmd::DelServer => b"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::StartDaemon => b"xxxxxxxxxxx.xxxxxxx.xxxx....xxxxxx",
            Cmd::StopDaemon => b"xxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxx",
            Cmd::Save => b".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::Zero => b"xx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            Cmd::Flush | Cmd::Set | Cmd::Restore | Cmd::Help | Cmd::Version => {
                b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            }
        }
    }
}

/// A column of ipvsadm's legality matrix, in its order (the order decides
/// which of two conflicting options a message names first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Numeric,
    Connection,
    Service,
    Scheduler,
    Persistent,
    Netmask,
    Server,
    Forward,
    Weight,
    UThreshold,
    LThreshold,
    McastInterface,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    SyncId,
    Exact,
    Ops,
    Pe,
    SchedFlags,
    McastGroup,
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunInfo,
    TunType,
    TunPort,
    TunNoCsum,
    TunCsum,
    TunRemCsum,
}

impl Col {
    pub const COUNT: usize = 34;

    /// Every column, in the matrix's order.
    pub const ALL: [Col; Col::COUNT] = [
        Col::Numeric,
        Col::Connection,
        Col::Service,
        Col::Scheduler,
        Col::Persistent,
        Col::Netmask,
        Col::Server,
        Col::Forward,
        Col::Weight,
        Col::UThreshold,
        Col::LThreshold,
        Col::McastInterface,
        Col::Timeout,
        Col::Daemon,
        Col::Stats,
        Col::Rate,
        Col::Thresholds,
        Col::PersistentConn,
        Col::NoSort,
        Col::SyncId,
        Col::Exact,
        Col::Ops,
        Col::Pe,
        Col::SchedFlags,
        Col::McastGroup,
        Col::McastPort,
        Col::McastTtl,
        Col::SyncMaxlen,
        Col::TunInfo,
        Col::TunType,
        Col::TunPort,
        Col::TunNoCsum,
        Col::TunCsum,
        Col::TunRemCsum,
    ];

    /// The position in the matrix.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The option name ipvsadm's messages use.
    pub fn name(self) -> &'static str {
        const NAMES: [&str; Col::COUNT] = [
            "numeric",
            "connection",
            "service-address",
            "scheduler",
            "persistent",
            "netmask",
            "real-server",
            "forwarding-method",
            "weight",
            "u-threshold",
            "l-threshold",
            "mcast-interface",
            "timeout",
            "daemon",
            "stats",
            "rate",
            "thresholds",
            "persistent-conn",
            "nosort",
            "syncid",
            "exact",
            "ops",
            "pe",
            "sched-flags",
            "mcast-group",
            "mcast-port",
            "mcast-ttl",
            "sync-maxlen",
            "tun-info",
            "tun-type",
            "tun-port",
            "tun-nocsum",
            "tun-csum",
            "tun-remcsum",
        ];
        NAMES[self.index()]
    }
}

/// Forwarding methods, as `-m`, `-i`, `-g` set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fwd {
    Masq,
    Tunnel,
    Route,
}

/// What an option does when it is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Command(Cmd),
    Service(Protocol),
    Fwmark,
    Scheduler,
    Persistent,
    Netmask,
    RealServer,
    Forward(Fwd),
    Weight,
    UThreshold,
    LThreshold,
    McastInterface,
    SyncId,
    Ipv6,
    Ops,
    Pe,
    SchedFlags,
    McastGroup,
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunType,
    TunPort,
    /// Options that only mark their column (`-n`, `-c`, `--stats`, ...),
    /// and `--sort`, which marks nothing.
    Marker,
}

/// One option: its names, whether it takes a value, what it does, and
/// the legality column it counts in (`-6` and `--sort` count in none).
#[derive(Debug)]
pub(super) struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub arg: Arg,
    pub tag: Tag,
    pub col: Option<Col>,
}

const fn flag(long: &'static str, short: Option<char>, arg: Arg, tag: Tag, col: Option<Col>) -> Flag {
    Flag { long, short, arg, tag, col }
}

const fn command(long: &'static str, short: Option<char>, arg: Arg, cmd: Cmd) -> Flag {
    flag(long, short, arg, Tag::Command(cmd), None)
}

const fn marker(long: &'static str, short: Option<char>, col: Col) -> Flag {
    flag(long, short, Arg::None, Tag::Marker, Some(col))
}

const fn valued(long: &'static str, short: Option<char>, tag: Tag, col: Col) -> Flag {
    flag(long, short, Arg::Required, tag, Some(col))
}

/// Every option of ipvsadm 1.31, in its popt table's order (a name given
/// twice, `list`, resolves to the first row).
pub(super) static FLAGS: [Flag; 58] = [
    command("add-service", Some('A'), Arg::None, Cmd::AddService),
    command("edit-service", Some('E'), Arg::None, Cmd::EditService),
    command("delete-service", Some('D'), Arg::None, Cmd::DelService),
    command("clear", Some('C'), Arg::None, Cmd::Flush),
    command("list", Some('L'), Arg::None, Cmd::List),
    command("list", Some('l'), Arg::None, Cmd::List),
    command("zero", Some('Z'), Arg::None, Cmd::Zero),
    command("add-server", Some('a'), Arg::None, Cmd::AddServer),
    command("edit-server", Some('e'), Arg::None, Cmd::EditServer),
    command("delete-server", Some('d'), Arg::None, Cmd::DelServer),
    command("set", None, Arg::None, Cmd::Set),
    command("help", Some('h'), Arg::None, Cmd::Help),
    command("version", Some('v'), Arg::None, Cmd::Version),
    command("restore", Some('R'), Arg::None, Cmd::Restore),
    command("save", Some('S'), Arg::None, Cmd::Save),
    command("start-daemon", None, Arg::Required, Cmd::StartDaemon),
    command("stop-daemon", None, Arg::Required, Cmd::StopDaemon),
    valued("tcp-service", Some('t'), Tag::Service(Protocol::Tcp), Col::Service),
    valued("udp-service", Some('u'), Tag::Service(Protocol::Udp), Col::Service),
    valued("sctp-service", None, Tag::Service(Protocol::Sctp), Col::Service),
    valued("fwmark-service", Some('f'), Tag::Fwmark, Col::Service),
    valued("scheduler", Some('s'), Tag::Scheduler, Col::Scheduler),
    flag("persistent", Some('p'), Arg::Optional, Tag::Persistent, Some(Col::Persistent)),
    valued("netmask", Some('M'), Tag::Netmask, Col::Netmask),
    valued("real-server", Some('r'), Tag::RealServer, Col::Server),
    flag("masquerading", Some('m'), Arg::None, Tag::Forward(Fwd::Masq), Some(Col::Forward)),
    flag("ipip", Some('i'), Arg::None, Tag::Forward(Fwd::Tunnel), Some(Col::Forward)),
    flag("gatewaying", Some('g'), Arg::None, Tag::Forward(Fwd::Route), Some(Col::Forward)),
    valued("weight", Some('w'), Tag::Weight, Col::Weight),
    valued("u-threshold", Some('x'), Tag::UThreshold, Col::UThreshold),
    valued("l-threshold", Some('y'), Tag::LThreshold, Col::LThreshold),
    marker("numeric", Some('n'), Col::Numeric),
    marker("connection", Some('c'), Col::Connection),
    valued("mcast-interface", None, Tag::McastInterface, Col::McastInterface),
    valued("syncid", None, Tag::SyncId, Col::SyncId),
    marker("timeout", None, Col::Timeout),
    marker("daemon", None, Col::Daemon),
    marker("stats", None, Col::Stats),
    marker("rate", None, Col::Rate),
    marker("thresholds", None, Col::Thresholds),
    marker("persistent-conn", None, Col::PersistentConn),
    marker("nosort", None, Col::NoSort),
    flag("sort", None, Arg::None, Tag::Marker, None),
    marker("exact", Some('X'), Col::Exact),
    flag("ipv6", Some('6'), Arg::None, Tag::Ipv6, None),
    flag("ops", Some('o'), Arg::None, Tag::Ops, Some(Col::Ops)),
    valued("pe", None, Tag::Pe, Col::Pe),
    valued("sched-flags", Some('b'), Tag::SchedFlags, Col::SchedFlags),
    valued("mcast-group", None, Tag::McastGroup, Col::McastGroup),
    valued("mcast-port", None, Tag::McastPort, Col::McastPort),
    valued("mcast-ttl", None, Tag::McastTtl, Col::McastTtl),
    valued("sync-maxlen", None, Tag::SyncMaxlen, Col::SyncMaxlen),
    marker("tun-info", None, Col::TunInfo),
    valued("tun-type", None, Tag::TunType, Col::TunType),
    valued("tun-port", None, Tag::TunPort, Col::TunPort),
    marker("tun-nocsum", None, Col::TunNoCsum),
    marker("tun-csum", None, Col::TunCsum),
    marker("tun-remcsum", None, Col::TunRemCsum),
];

/// The option with this long name (exact match: popt has no abbreviations).
pub(super) fn by_long(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|flag| flag.long == name)
}

/// The option with this one-letter name.
pub(super) fn by_short(letter: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|flag| flag.short == Some(letter))
}

/// Where each column's option was first seen (word index), if it was.
pub(super) type Seen = [Option<usize>; Col::COUNT];

/// ipvsadm's `generic_opt_check`: the first missing compulsory option,
/// illegal option, or second of the exclusive options, in column order.
pub(super) fn check_command(cmd: Cmd, seen: &Seen) -> Result<(), IpvsadmError> {
    let row = Col::ALL.into_iter().zip(cmd.legality().iter().copied());
    check_row(row, seen, &format!("'{}' command", cmd.name()))
}

/// Walks one matrix row; `owner` ends each message (`'list' command`).
fn check_row(row: impl Iterator<Item = (Col, u8)>, seen: &Seen, owner: &str) -> Result<(), IpvsadmError> {
    let mut exclusive: Option<Col> = None;
    for (col, rule) in row {
        let Some(word) = seen[col.index()] else {
            if rule == b'+' {
                let message = format!("You need to supply the '{}' option for the {owner}", col.name());
                return Err(IpvsadmError::invalid(message, None));
            }
            continue;
        };
        match (rule, exclusive) {
            (b'x', _) => {
                let message = format!("Illegal '{}' option with the {owner}", col.name());
                return Err(IpvsadmError::invalid(message, Some(word)));
            }
            (b'1', Some(first)) => {
                let (later, earlier) = (col.name(), first.name());
                let message =
                    format!("The option '{later}' conflicts with the '{earlier}' option in the {owner}");
                return Err(IpvsadmError::invalid(message, Some(word)));
            }
            (b'1', None) => exclusive = Some(col),
            _ => {}
        }
    }
    Ok(())
}

/// A tunnel encapsulation as `--tun-type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TunType {
    Ipip,
    Gue,
    Gre,
}

impl TunType {
    /// `--tun-type`'s value, or `None` for anything else.
    pub fn parse(name: &str) -> Option<TunType> {
        match name {
            "ipip" => Some(TunType::Ipip),
            "gue" => Some(TunType::Gue),
            "gre" => Some(TunType::Gre),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TunType::Ipip => "ipip",
            TunType::Gue => "gue",
            TunType::Gre => "gre",
        }
    }

    /// The type's row of ipvsadm's tunnel matrix over [`TUNNEL_COLS`].
    fn legality(self) -> &'static [u8; 4] {
        match self {
            TunType::Ipip => b"xxxx",
            TunType::Gue => b"+111",
            TunType::Gre => b"x11x",
        }
    }
}

/// The columns of ipvsadm's tunnel matrix.
const TUNNEL_COLS: [Col; 4] = [Col::TunPort, Col::TunNoCsum, Col::TunCsum, Col::TunRemCsum];

/// ipvsadm's `tunnel_opt_check`: the command check's three sentences,
/// ending in "tunnel type".
pub(super) fn check_tunnel(kind: TunType, seen: &Seen) -> Result<(), IpvsadmError> {
    let row = TUNNEL_COLS.into_iter().zip(kind.legality().iter().copied());
    check_row(row, seen, &format!("'{}' tunnel type", kind.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_in_matrix_order() {
        for (i, col) in Col::ALL.into_iter().enumerate() {
            assert_eq!(col.index(), i);
        }
        assert_eq!(Col::TunRemCsum.name(), "tun-remcsum");
        assert_eq!(Col::Service.name(), "service-address");
    }

    #[test]
    fn every_flag_has_a_unique_short_name() {
        for flag in &FLAGS {
            if let Some(letter) = flag.short {
                assert_eq!(FLAGS.iter().filter(|f| f.short == Some(letter)).count(), 1, "-{letter}");
            }
        }
    }

    #[test]
    fn long_list_resolves_to_capital_l() {
        assert_eq!(by_long("list").and_then(|f| f.short), Some('L'));
        assert!(by_long("lis").is_none());
    }

    #[test]
    fn legality_rows_only_use_the_four_keys() {
        let cmds = [
            Cmd::AddService,
            Cmd::DelService,
            Cmd::Flush,
            Cmd::List,
            Cmd::AddServer,
            Cmd::DelServer,
            Cmd::StartDaemon,
            Cmd::StopDaemon,
            Cmd::Save,
            Cmd::Zero,
        ];
        for cmd in cmds {
            assert!(cmd.legality().iter().all(|b| b".x+1".contains(b)), "{}", cmd.name());
        }
    }
}
