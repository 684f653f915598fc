//! The smaller statements: set, del, zero, timeouts, daemon, save, restore,
//! source, echo, sleep, and ipvsadm lines.

use std::net::IpAddr;

use super::backend::backend_of_service;
use super::error::PError;
use super::lexeme::{bad, duration, endpoint, next_word, path, rest_of_line, string, unknown, word};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::service::service_settings;
use super::{In, PResult};
use crate::ipvs::{Daemon, DaemonState};
use crate::lang::ast::{DaemonDecl, IpvsadmLine, ServiceEdit, StmtKind, TimeoutsDecl};
use crate::lang::ipvsadm::{parse_ipvsadm, split_line, EXIT_USAGE};
use crate::lang::source::{Span, Spanned};

/// `set := "set" "service" svc-ref [ scheduler ] { svc-option } | "set" "backend" svc-ref endpoint { backend-option }`
pub fn set_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, what) = word(i, "`service` or `backend`")?;
    match what.value {
        "service" => {
            let (i, service) = svc_ref(i)?;
            let (i, (scheduler, options)) = service_settings(i, true)?;
            Ok((i, StmtKind::SetService(ServiceEdit { service, scheduler, options })))
        }
        "backend" => {
            let (i, decl) = backend_of_service(i)?;
            Ok((i, StmtKind::SetBackend(decl)))
        }
        _ => Err(unknown(&what, "thing to set", &["service", "backend"])),
    }
}

/// `del := "del" "service" svc-ref | "del" "backend" svc-ref endpoint`
pub fn del_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, what) = word(i, "`service` or `backend`")?;
    match what.value {
        "service" => {
            let (i, service) = svc_ref(i)?;
            Ok((i, StmtKind::DelService(service)))
        }
        "backend" => {
            let (i, service) = svc_ref(i)?;
            let (i, addr) = endpoint(i)?;
            Ok((i, StmtKind::DelBackend { service, addr }))
        }
        _ => Err(unknown(&what, "thing to delete", &["service", "backend"])),
    }
}

/// `flush := "flush"`
pub fn flush_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    Ok((i, StmtKind::Flush))
}

/// `metrics := "metrics"`
pub fn metrics_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    Ok((i, StmtKind::Metrics))
}

/// `zero := "zero" [ svc-ref ]`
pub fn zero_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (_, next) = next_word(i)?;
    if next.is_none() {
        return Ok((i, StmtKind::Zero(None)));
    }
    let (i, service) = svc_ref(i)?;
    Ok((i, StmtKind::Zero(Some(service))))
}

/// A connection timeout in seconds (0 keeps the kernel's).
const fn timeout(
    word: &'static str,
    help: &'static str,
    set: fn(&mut TimeoutsDecl, Spanned<Val>),
    get: fn(&TimeoutsDecl) -> Option<Val>,
) -> Opt<TimeoutsDecl> {
    Opt {
        word,
        alias: None,
        kind: Kind::Number {
            placeholder: "SECONDS",
            what: "timeout in seconds",
            min: 0,
            max: i32::MAX as u64 / 1000,
        },
        default: None,
        help,
        example: "900",
        rhai: None,
        set,
        get,
    }
}

/// `timeouts`' options.
pub static TIMEOUTS: Options<TimeoutsDecl> = Options {
    fragment: "TIMEOUT",
    production: "timeout",
    what: "timeout",
    sample: "timeouts",
    list: &[
        timeout(
            "tcp",
            "established TCP connections",
            |t, v| t.tcp = Some(v.value.number() as u32),
            |t| t.tcp.map(|n| Val::Number(n.into())),
        ),
        timeout(
            "tcpfin",
            "TCP connections after a FIN",
            |t, v| t.tcp_fin = Some(v.value.number() as u32),
            |t| t.tcp_fin.map(|n| Val::Number(n.into())),
        ),
        timeout(
            "udp",
            "UDP flows",
            |t, v| t.udp = Some(v.value.number() as u32),
            |t| t.udp.map(|n| Val::Number(n.into())),
        ),
    ],
};

/// `timeouts := "timeouts" timeout { timeout }`
pub fn timeouts_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let mut t = TimeoutsDecl::default();
    let (i, ()) = options::read(i, &TIMEOUTS, &mut t, &mut options::none)?;
    match t == TimeoutsDecl::default() {
        true => Err(super::lexeme::missing(i, "`tcp N`, `tcpfin N` or `udp N`")),
        false => Ok((i, StmtKind::Timeouts(t))),
    }
}

/// `daemon := "daemon" ("start" | "stop") ("master" | "backup") { daemon-option }`
pub fn daemon_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, action) = word(i, "`start` or `stop`")?;
    if !["start", "stop"].contains(&action.value) {
        return Err(unknown(&action, "daemon action", &["start", "stop"]));
    }
    let (i, state_word) = word(i, "`master` or `backup`")?;
    let state = match state_word.value {
        "master" => DaemonState::Master,
        "backup" => DaemonState::Backup,
        _ => return Err(unknown(&state_word, "daemon kind", &["master", "backup"])),
    };
    if action.value == "stop" {
        return Ok((i, StmtKind::DaemonStop(state)));
    }
    let mut daemon = DaemonDecl { daemon: Daemon::new(state, "", 0) };
    options::apply_defaults(&DAEMON, &mut daemon);
    let (i, ()) = options::read(i, &DAEMON, &mut daemon, &mut options::none)?;
    Ok((i, StmtKind::DaemonStart(daemon)))
}

/// `daemon start`'s options.
pub static DAEMON: Options<DaemonDecl> = Options {
    fragment: "DAEMON-OPTION",
    production: "daemon-option",
    what: "daemon option",
    sample: "daemon start master",
    list: &[
        Opt {
            word: "interface",
            alias: None,
            kind: Kind::Word { placeholder: "IFACE", what: "an interface name" },
            default: None,
            help: "the interface the sync messages go out of or come in on; eth0 if none is named",
            example: "eth1",
            rhai: None,
            set: |d, v| d.daemon.interface = v.value.text(),
            get: |d| (!d.daemon.interface.is_empty()).then(|| Val::Text(d.daemon.interface.clone())),
        },
        Opt {
            word: "syncid",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "sync id", min: 0, max: 255 },
            default: Some("0"),
            help: "the sync id that tells this cluster's messages from others'",
            example: "3",
            rhai: None,
            set: |d, v| d.daemon.sync_id = v.value.number() as u32,
            get: |d| Some(Val::Number(d.daemon.sync_id.into())),
        },
        Opt {
            word: "maxlen",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "sync message length", min: 1, max: 65507 },
            default: None,
            help: "the largest sync message, in bytes",
            example: "1400",
            rhai: None,
            set: |d, v| d.daemon.max_len = Some(v.value.number() as u16),
            get: |d| d.daemon.max_len.map(|n| Val::Number(n.into())),
        },
        Opt {
            word: "group",
            alias: None,
            kind: Kind::Custom {
                syntax: "ADDR",
                ebnf: "multicast-address",
                list: false,
                read: multicast,
                print: options::print_ip,
            },
            default: None,
            help: "the multicast group; the kernel's default is 224.0.0.81",
            example: "239.1.1.1",
            rhai: None,
            set: |d, v| d.daemon.group = if let Val::Ip(ip) = v.value { Some(ip) } else { None },
            get: |d| d.daemon.group.map(Val::Ip),
        },
        Opt {
            word: "port",
            alias: None,
            kind: Kind::Number { placeholder: "PORT", what: "multicast port", min: 1, max: 65535 },
            default: None,
            help: "the multicast UDP port; the kernel's default is 8848",
            example: "8849",
            rhai: None,
            set: |d, v| d.daemon.port = Some(v.value.number() as u16),
            get: |d| d.daemon.port.map(|n| Val::Number(n.into())),
        },
        Opt {
            word: "ttl",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "multicast ttl", min: 1, max: 255 },
            default: None,
            help: "the multicast TTL; the kernel's default is 1",
            example: "2",
            rhai: None,
            set: |d, v| d.daemon.ttl = Some(v.value.number() as u8),
            get: |d| d.daemon.ttl.map(|n| Val::Number(n.into())),
        },
    ],
};

/// A multicast group address.
fn multicast(i: In<'_>) -> PResult<'_, Spanned<Val>> {
    let (rest, g) = word(i, "a multicast group address")?;
    match g.value.parse::<IpAddr>() {
        Ok(addr) if addr.is_multicast() => Ok((rest, Spanned::new(Val::Ip(addr), g.span))),
        _ => Err(bad(
            &g,
            "lvs::parse::bad-group",
            format!("`{}` is not a multicast address", g.value),
            "expected a multicast address like 224.0.0.81",
        )),
    }
}

/// `save := "save" [ path ]`
pub fn save_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, ()) = super::lexeme::blank(i)?;
    if super::lexeme::at_end(i) {
        return Ok((i, StmtKind::Save(None)));
    }
    let (i, p) = path(i)?;
    Ok((i, StmtKind::Save(Some(p))))
}

/// `restore := "restore" path`
pub fn restore_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, p) = path(i)?;
    Ok((i, StmtKind::Restore(p)))
}

/// `source := "source" path`
pub fn source_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, p) = path(i)?;
    Ok((i, StmtKind::Source(p)))
}

/// `echo := "echo" ( string | rest-of-line )`
pub fn echo_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, ()) = super::lexeme::blank(i)?;
    if i.fragment().starts_with('"') {
        let (i, s) = string(i)?;
        return Ok((i, StmtKind::Echo(s.value)));
    }
    let (i, text) = rest_of_line(i)?;
    Ok((i, StmtKind::Echo(text.value.to_string())))
}

/// `sleep := "sleep" duration`
pub fn sleep_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, d) = duration(i)?;
    Ok((i, StmtKind::Sleep(d.value)))
}

/// `help := "help" [ word ]`: the word names a command, or is `rhai`.
pub fn help_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (rest, w) = next_word(i)?;
    let Some(w) = w else { return Ok((rest, StmtKind::Help(None))) };
    if w.value != "rhai" && crate::lang::command::find(w.value).is_none() {
        return Err(unknown(&w, "command", &crate::lang::command::names()));
    }
    Ok((rest, StmtKind::Help(Some(Spanned::new(w.value.to_string(), w.span)))))
}

/// `describe := "describe" [ word ]`: the word names a topic (`describe` alone lists them).
pub fn describe_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (rest, w) = next_word(i)?;
    let Some(w) = w else { return Ok((rest, StmtKind::Describe(None))) };
    if crate::lang::describe::find(w.value).is_none() {
        let near = crate::lang::diagnostic::suggest(w.value, crate::lang::describe::words());
        let help = match near {
            Some(near) => format!("did you mean `{near}`? `describe` alone lists the topics"),
            None => "`describe` alone lists the topics".to_string(),
        };
        let expected = "a scheduler, forwarding method, scheduler flag or persistence setting";
        let err =
            PError::new("lvs::parse::unknown-word", w.span, format!("unknown topic `{}`", w.value), expected);
        return Err(nom::Err::Failure(err.help(help)));
    }
    Ok((rest, StmtKind::Describe(Some(Spanned::new(w.value.to_string(), w.span)))))
}

/// `ipvsadm := "ipvsadm" { word }`: ipvsadm's own syntax, to the end of the line.
pub fn ipvsadm_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, line) = rest_of_line(i)?;
    let base = line.span.start as usize;
    let args: Vec<Spanned<String>> = split_line(line.value)
        .into_iter()
        .map(|(text, range)| Spanned::new(text.to_string(), Span::new(base + range.start, base + range.end)))
        .collect();
    match parse_ipvsadm(&args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>()) {
        Ok(command) => Ok((i, StmtKind::Ipvsadm(IpvsadmLine { args, command }))),
        Err(e) => {
            let span = e.arg.and_then(|n| args.get(n)).map_or(line.span, |a| a.span);
            let span = if span.start == span.end { Span::new(base, base + 1) } else { span };
            let help = match e.exit_code == EXIT_USAGE && e.message.starts_with("Try") {
                true => concat!(
                    "an ipvsadm line starts with a command: -A, -E, -D, -C, -a, -e, -d, -L, -Z, -S, ",
                    "--set, --start-daemon or --stop-daemon"
                ),
                false => "this line uses ipvsadm's own option syntax; see `ipvsadm -h` or `help ipvsadm`",
            };
            let err = PError::new(
                "lvs::ipvsadm::invalid",
                span,
                e.message.trim_end().to_string(),
                "ipvsadm refuses this",
            )
            .help(help);
            Err(nom::Err::Failure(err))
        }
    }
}
