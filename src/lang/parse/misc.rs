//! The smaller statements: set, del, zero, timeouts, daemon, save, restore,
//! source, echo, sleep, and ipvsadm lines.

use std::net::IpAddr;

use super::backend::backend_of_service;
use super::error::PError;
use super::lexeme::{bad, duration, endpoint, next_word, number, path, rest_of_line, string, unknown, word};
use super::service::{service_settings, svc_ref};
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

/// `zero := "zero" [ svc-ref ]`
pub fn zero_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (_, next) = next_word(i)?;
    if next.is_none() {
        return Ok((i, StmtKind::Zero(None)));
    }
    let (i, service) = svc_ref(i)?;
    Ok((i, StmtKind::Zero(Some(service))))
}

/// `timeouts := "timeouts" { ("tcp" | "tcpfin" | "udp") seconds }`
pub fn timeouts_stmt(mut i: In<'_>) -> PResult<'_, StmtKind> {
    let mut t = TimeoutsDecl::default();
    let mut any = false;
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else {
            return match any {
                true => Ok((rest, StmtKind::Timeouts(t))),
                false => Err(super::lexeme::missing(rest, "`tcp N`, `tcpfin N` or `udp N`")),
            };
        };
        let slot = match w.value {
            "tcp" => &mut t.tcp,
            "tcpfin" => &mut t.tcp_fin,
            "udp" => &mut t.udp,
            _ => return Err(unknown(&w, "timeout", &["tcp", "tcpfin", "udp"])),
        };
        let (rest, n) = number::<u32>(rest, "timeout in seconds", 0..=(i32::MAX as u64 / 1000))?;
        *slot = Some(n.value);
        any = true;
        i = rest;
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
    match action.value {
        "start" => daemon_options(i, Daemon::new(state, "eth0", 0)),
        _ => Ok((i, StmtKind::DaemonStop(state))),
    }
}

fn daemon_options(mut i: In<'_>, mut d: Daemon) -> PResult<'_, StmtKind> {
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, StmtKind::DaemonStart(DaemonDecl { daemon: d }))) };
        i = match w.value {
            "interface" => {
                let (rest, name) = word(rest, "an interface name")?;
                d.interface = name.value.to_string();
                rest
            }
            "syncid" => {
                let (rest, n) = number(rest, "sync id", 0..=255)?;
                d.sync_id = n.value;
                rest
            }
            "maxlen" => {
                let (rest, n) = number(rest, "sync message length", 1..=65507)?;
                d.max_len = Some(n.value);
                rest
            }
            "group" => {
                let (rest, g) = word(rest, "a multicast group address")?;
                match g.value.parse::<IpAddr>() {
                    Ok(addr) if addr.is_multicast() => d.group = Some(addr),
                    _ => {
                        return Err(bad(
                            &g,
                            "lvs::parse::bad-group",
                            format!("`{}` is not a multicast address", g.value),
                            "expected a multicast address like 224.0.0.81",
                        ))
                    }
                }
                rest
            }
            "port" => {
                let (rest, n) = number(rest, "multicast port", 1..=65535)?;
                d.port = Some(n.value);
                rest
            }
            "ttl" => {
                let (rest, n) = number(rest, "multicast ttl", 1..=255)?;
                d.ttl = Some(n.value);
                rest
            }
            _ => {
                return Err(unknown(
                    &w,
                    "daemon option",
                    &["interface", "syncid", "maxlen", "group", "port", "ttl"],
                ))
            }
        };
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
        return Err(unknown(&w, "command", super::COMMANDS));
    }
    Ok((rest, StmtKind::Help(Some(Spanned::new(w.value.to_string(), w.span)))))
}

/// `ipvsadm := "ipvsadm" { word }`: ipvsadm's own syntax, to the end of the line.
pub fn ipvsadm_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, line) = rest_of_line(i)?;
    let base = line.span.start as usize;
    let args: Vec<Spanned<String>> = split_line(line.value)
        .into_iter()
        .map(|(text, range)| Spanned::new(text, Span::new(base + range.start, base + range.end)))
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
