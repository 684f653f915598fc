//! ipvsadm lines run natively, and restoring: `restore FILE` and
//! `ipvsadm -R` (standard input) are one code path, which reads every line
//! before it runs any and then runs each as its own ipvsadm line would run.
//! Every change and its undo is planned in [`plan`].

use super::failure::{read_failure, refusal, script_failure};
use super::pipeline::{Steps, WindowSize};
use super::plan::{self, Change};
use super::{Failure, Interpreter};
use crate::ipvs::{Kernel, KernelError};
use crate::lang::ast::IpvsadmLine;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::ipvsadm::{read_restore, IpvsadmCommand};
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
            change => self.apply_planned(source, span, |kernel| planned(kernel, change)),
        }
    }

    /// `restore FILE`: the file's lines as `ipvsadm -R` would run them.
    pub(super) fn restore(
        &mut self,
        source: &Source,
        span: Span,
        path: &Spanned<String>,
    ) -> Result<(), Failure> {
        let file =
            Source::read(std::path::Path::new(&path.value)).map_err(|e| read_failure(source, path, e))?;
        self.restore_lines(source, span, &file)
    }

    /// `ipvsadm -R`: the lines of standard input, as `restore` runs a file's.
    fn restore_stdin(&mut self, source: &Source, span: Span) -> Result<(), Failure> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            let d = Diagnostic::error("lvs::io::stdin", format!("cannot read standard input: {e}"), span, "");
            Failure::environment(source, d)
        })?;
        self.restore_lines(source, span, &Source::new("<stdin>", text))
    }

    /// Runs the lines of `file` (an `ipvsadm -R` input, restored from the
    /// statement at `span`) in this run's transaction: a line that cannot
    /// be restored stops it before any line reaches the kernel, and a
    /// refusal points at its own line. Lines whose change is planned
    /// without reading the kernel (`-A`, `-a`, `-Z`, `--start-daemon`) go
    /// together in one batch, or in windows sent while the next lines are
    /// planned ([`super::pipeline`]); all of it is sent and answered before
    /// a line whose plan reads the kernel, so that it sees every line above.
    fn restore_lines(&mut self, source: &Source, span: Span, file: &Source) -> Result<(), Failure> {
        let lines = read_restore(file).map_err(|d| {
            let (line, _) = source.line_col(span.start as usize);
            Failure::script(file, d.with_note(format!("restored from {} line {line}", source.name)))
        })?;
        let mut steps = Steps::default();
        let mut size = WindowSize::default();
        for line in lines {
            if reads_kernel(&line.command) {
                self.send_and_settle(file, std::mem::take(&mut steps))?;
            }
            let change =
                planned(self.kernel.as_mut(), &line.command).map_err(|e| refusal(file, line.span, e))?;
            steps.push(line.span, change);
            self.send_if_full(file, &mut steps, &mut size)?;
        }
        self.send_and_settle(file, steps)
    }
}

/// The change an ipvsadm command makes, planned against the kernel as it
/// is now, exactly as ipvsadm sends it; nothing for a command that changes
/// nothing (a listing, `-S`, `-R`, `-h`, `-v`).
fn planned(kernel: &mut dyn Kernel, command: &IpvsadmCommand) -> Result<Change, KernelError> {
    Ok(match command {
        IpvsadmCommand::AddService(svc) => plan::add_service(svc.clone()),
        IpvsadmCommand::EditService(svc) => {
            plan::replace_service(kernel.service(&svc.key)?.service, svc.clone())
        }
        IpvsadmCommand::DelService(key) => plan::delete_service(kernel, *key)?,
        IpvsadmCommand::Flush => plan::flush(kernel)?,
        IpvsadmCommand::AddServer { service, backend } => plan::add_backend(*service, *backend),
        IpvsadmCommand::EditServer { service, backend } => {
            plan::replace_backend(&kernel.backends(service)?, *service, *backend)
        }
        IpvsadmCommand::DelServer { service, addr } => {
            plan::remove_backend(&kernel.backends(service)?, *service, *addr)
        }
        IpvsadmCommand::Zero(key) => plan::zero(*key),
        IpvsadmCommand::SetTimeouts(t) => plan::set_timeouts(kernel, *t)?,
        IpvsadmCommand::StartDaemon(d) => plan::start_daemon(d.clone()),
        IpvsadmCommand::StopDaemon(state) => plan::stop_daemon(kernel, *state)?,
        IpvsadmCommand::List { .. }
        | IpvsadmCommand::Save
        | IpvsadmCommand::Restore
        | IpvsadmCommand::Help
        | IpvsadmCommand::Version => Change::default(),
    })
}

/// Whether [`planned`] reads the kernel for this command (to compute the
/// undo, or to send what the kernel lacks), so the lines before it must
/// have reached the kernel first.
fn reads_kernel(command: &IpvsadmCommand) -> bool {
    match command {
        IpvsadmCommand::EditService(_)
        | IpvsadmCommand::DelService(_)
        | IpvsadmCommand::Flush
        | IpvsadmCommand::EditServer { .. }
        | IpvsadmCommand::DelServer { .. }
        | IpvsadmCommand::SetTimeouts(_)
        | IpvsadmCommand::StopDaemon(_) => true,
        IpvsadmCommand::AddService(_)
        | IpvsadmCommand::AddServer { .. }
        | IpvsadmCommand::Zero(_)
        | IpvsadmCommand::StartDaemon(_)
        | IpvsadmCommand::List { .. }
        | IpvsadmCommand::Save
        | IpvsadmCommand::Restore
        | IpvsadmCommand::Help
        | IpvsadmCommand::Version => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Forward, Netns, Op, Service, ServiceKey, Unreachable};
    use crate::lang::ipvsadm::parse_ipvsadm;

    /// A kernel every read of which fails: a plan succeeds only if it reads nothing.
    fn unreadable() -> Unreachable {
        Unreachable::new(Netns::Current, &KernelError::IpvsMissing)
    }

    fn command(line: &str) -> IpvsadmCommand {
        parse_ipvsadm(&line.split(' ').collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_line_is_sent_before_the_next_only_when_that_one_reads_the_kernel() {
        for line in [
            "-A -t 10.1.0.1:80 -s rr",
            "-E -t 10.1.0.1:80 -s rr",
            "-D -t 10.1.0.1:80",
            "-C",
            "-a -t 10.1.0.1:80 -r 10.2.0.1:80 -m",
            "-e -t 10.1.0.1:80 -r 10.2.0.1:80 -m",
            "-d -t 10.1.0.1:80 -r 10.2.0.1:80",
            "-Z",
            "-Z -t 10.1.0.1:80",
            "--set 1 2 3",
            "--start-daemon master --mcast-interface lo",
            "--stop-daemon backup",
            "-L -n",
            "-S",
            "-R",
            "-h",
        ] {
            let command = command(line);
            let read = planned(&mut unreadable(), &command).is_err();
            assert_eq!(reads_kernel(&command), read, "{line}");
        }
    }

    #[test]
    fn an_added_service_and_backend_are_undone_by_deleting_them() {
        let key = ServiceKey::tcp("10.1.0.1:80".parse().unwrap());
        let backend = Backend::new("10.2.0.1:80".parse().unwrap(), Forward::Masq);
        let service = Service::new(key).with_scheduler("rr");
        assert_eq!(
            planned(&mut unreadable(), &command("-A -t 10.1.0.1:80 -s rr")).unwrap().steps,
            [(Op::AddService(service), vec![Op::DelService(key)])]
        );
        assert_eq!(
            planned(&mut unreadable(), &command("-a -t 10.1.0.1:80 -r 10.2.0.1:80 -m")).unwrap().steps,
            [(
                Op::AddBackend { service: key, backend },
                vec![Op::DelBackend { service: key, addr: backend.addr }]
            )]
        );
    }
}
