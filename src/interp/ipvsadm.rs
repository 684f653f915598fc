//! ipvsadm lines run natively, `ipvsadm -R` from standard input, and the
//! `restore` statement (an `ipvsadm -S` file applied in one batch). Every
//! change and its undo is planned in [`plan`].

use super::failure::{file_failure, script_failure};
use super::plan::{self, Change};
use super::{Failure, Interpreter};
use crate::lang::ast::IpvsadmLine;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::ipvsadm::{parse_ipvsadm, split_line, IpvsadmCommand};
use crate::lang::source::{Source, Span, Spanned};

/// What `ipvsadm -h` and `ipvsadm -v` print.
const VERSION: &str = "ipvsadm v1.31 2019/12/24 syntax, run natively by lvsh (see `help ipvsadm`)\n";

impl Interpreter {
    /// Runs one ipvsadm invocation.
    pub(super) fn ipvsadm(&mut self, source: &Source, span: Span, line: &IpvsadmLine) -> Result<(), Failure> {
        match &line.command {
            IpvsadmCommand::List { target, options } => self.list(source, span, target, options),
            IpvsadmCommand::Save => self.save(source, span, None),
            IpvsadmCommand::Help | IpvsadmCommand::Version => self.write(VERSION),
            IpvsadmCommand::Restore if self.plan.is_some() => {
                Err(script_failure(source, span, "`explain` cannot read `ipvsadm -R`'s standard input"))
            }
            IpvsadmCommand::Restore => self.restore_stdin(source, span),
            IpvsadmCommand::AddService(svc) => self.apply(source, span, plan::add_service(svc.clone())),
            IpvsadmCommand::EditService(svc) => self.apply_planned(source, span, |kernel| {
                Ok(plan::replace_service(kernel.service(&svc.key)?.service, svc.clone()))
            }),
            IpvsadmCommand::DelService(key) => {
                self.apply_planned(source, span, |kernel| plan::delete_service(kernel, *key))
            }
            IpvsadmCommand::Flush => self.apply_planned(source, span, plan::flush),
            IpvsadmCommand::AddServer { service, backend } => {
                self.apply(source, span, plan::add_backend(*service, *backend))
            }
            IpvsadmCommand::EditServer { service, backend } => self.apply_planned(source, span, |kernel| {
                Ok(plan::replace_backend(&kernel.backends(service)?, *service, *backend))
            }),
            IpvsadmCommand::DelServer { service, addr } => self.apply_planned(source, span, |kernel| {
                Ok(plan::remove_backend(&kernel.backends(service)?, *service, *addr))
            }),
            IpvsadmCommand::Zero(key) => self.apply(source, span, plan::zero(*key)),
            IpvsadmCommand::SetTimeouts(t) => {
                self.apply_planned(source, span, |kernel| plan::set_timeouts(kernel, *t))
            }
            IpvsadmCommand::StartDaemon(d) => self.apply(source, span, plan::start_daemon(d.clone())),
            IpvsadmCommand::StopDaemon(state) => {
                self.apply_planned(source, span, |kernel| plan::stop_daemon(kernel, *state))
            }
        }
    }

    /// `restore FILE`: applies an `ipvsadm -S` file in one batch.
    pub(super) fn restore(
        &mut self,
        source: &Source,
        span: Span,
        path: &Spanned<String>,
    ) -> Result<(), Failure> {
        let text = std::fs::read_to_string(&path.value).map_err(|e| file_failure(source, path, "read", e))?;
        let file = Source::new(path.value.clone(), text);
        let mut change = Change::default();
        for (number, line) in file.text.lines().enumerate() {
            let args: Vec<String> = split_line(line).into_iter().map(|(t, _)| t).collect();
            if args.is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let command = parse_ipvsadm(&args).map_err(|e| {
                let at = file.text.lines().take(number).map(|l| l.len() + 1).sum::<usize>();
                let d = Diagnostic::error(
                    "lvs::restore::invalid",
                    e.message.trim_end().to_string(),
                    Span::new(at, at + line.len()),
                    "ipvsadm refuses this line",
                )
                .with_note(format!(
                    "restored from {} line {}",
                    source.name,
                    source.line_col(span.start as usize).0
                ));
                Failure::script(&file, d)
            })?;
            change.extend(restored(command));
        }
        self.apply(source, span, change)
    }

    /// `ipvsadm -R`: every line of standard input as an ipvsadm invocation,
    /// inside this run's transaction (unlike ipvsadm, `#` comments are skipped).
    fn restore_stdin(&mut self, source: &Source, span: Span) -> Result<(), Failure> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            let d = Diagnostic::error("lvs::io::stdin", format!("cannot read standard input: {e}"), span, "");
            Failure::environment(source, d)
        })?;
        let input = Source::new("<stdin>", text);
        let mut at = 0;
        for line in input.text.split_inclusive('\n') {
            let start = at;
            at += line.len();
            if line.trim_start().starts_with('#') {
                continue;
            }
            let args: Vec<Spanned<String>> = split_line(line)
                .into_iter()
                .map(|(t, r)| Spanned::new(t, Span::new(start + r.start, start + r.end)))
                .collect();
            if args.is_empty() {
                continue;
            }
            let line_span = Span::new(start, start + line.trim_end().len());
            let words: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
            let command = match parse_ipvsadm(&words) {
                Ok(IpvsadmCommand::Restore) => {
                    return Err(script_failure(&input, line_span, "`-R` cannot be nested"))
                }
                Ok(command) => command,
                Err(e) => return Err(script_failure(&input, line_span, e.message.trim_end())),
            };
            self.ipvsadm(&input, line_span, &IpvsadmLine { args, command })?;
        }
        Ok(())
    }
}

/// What one line of an `ipvsadm -S` file adds: its services and servers;
/// any other command is skipped.
fn restored(command: IpvsadmCommand) -> Change {
    match command {
        IpvsadmCommand::AddService(svc) => plan::add_service(svc),
        IpvsadmCommand::AddServer { service, backend } => plan::add_backend(service, backend),
        _ => Change::default(),
    }
}
