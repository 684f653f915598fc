//! Acting on several namespaces' IPVS as one (`use gw gw2`, `--netns
//! gw,gw2`): the HA pair's directors must hold the same table. Each
//! statement about the table runs once in each, in the order named, inside
//! the run's one transaction: a refusal in any undoes the run in all of them
//! (the journal keeps each change with its namespace). Listings are labelled
//! with the namespace they show. Everything else (probes, `expect`,
//! `doctor`) acts on the first.

use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{KernelError, Netns};
use crate::lang::ast::{Stmt, StmtKind};
use crate::lang::source::{Source, Span, Spanned};

/// One namespace of a group: how the user named it, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub netns: Netns,
}

/// Whether a statement is about the table, so it runs in every member.
fn fans_out(kind: &StmtKind) -> bool {
    match kind {
        StmtKind::Service(_)
        | StmtKind::Backend(_)
        | StmtKind::SetService(_)
        | StmtKind::SetBackend(_)
        | StmtKind::DelService(_)
        | StmtKind::DelBackend { .. }
        | StmtKind::Flush
        | StmtKind::Zero(_)
        | StmtKind::Timeouts(_)
        | StmtKind::DaemonStart(_)
        | StmtKind::DaemonStop(_)
        | StmtKind::Show(_)
        | StmtKind::Restore(_)
        | StmtKind::Ipvsadm(_) => true,
        // A file written once per member would keep only the last.
        StmtKind::Save(path) => path.is_none(),
        _ => false,
    }
}

/// Whether a statement may print a table that does not say whose (`show`
/// does), which then gets the line `show` starts with.
fn prints_table(kind: &StmtKind) -> bool {
    matches!(kind, StmtKind::Save(None) | StmtKind::Ipvsadm(_))
}

/// A failure in one member says which.
fn in_member(mut failure: Failure, member: &Member) -> Failure {
    failure.diagnostic.notes.insert(0, format!("in the IPVS of {}", member.name));
    failure
}

impl Interpreter {
    /// Whether `stmt` is one the group runs in each member.
    pub(super) fn in_each(&self, stmt: &Stmt) -> bool {
        self.group.len() > 1 && fans_out(&stmt.kind)
    }

    /// Runs `stmt` in each member of the group, then acts on the first again.
    pub(super) fn exec_in_each(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        let members = self.group.clone();
        let unreachable = |e| kernel_failure(source, stmt.span, e, "lvs::use::failed");
        self.in_each_member(&members, unreachable, |interp, member| {
            if prints_table(&stmt.kind) && !interp.json {
                interp.write(&format!("# the IPVS of {}\n", member.name))?;
            }
            interp.exec_one(source, stmt).map_err(|f| in_member(f, member))
        })
        .map(|_| ())
    }

    /// Runs `f` in each of `members` in turn (each named as itself while it
    /// runs), stopping at the first error; then acts on the first again,
    /// named as before, whatever happened.
    fn in_each_member<T, E>(
        &mut self,
        members: &[Member],
        unreachable: impl Fn(KernelError) -> E,
        mut f: impl FnMut(&mut Self, &Member) -> Result<T, E>,
    ) -> Result<Vec<T>, E> {
        let label = self.chosen.clone();
        let mut done = Vec::new();
        let mut result = Ok(());
        for member in members {
            result = match self.enter(Some(&member.name), member.netns.clone()) {
                Ok(()) => f(self, member).map(|t| done.push(t)),
                Err(e) => Err(unreachable(e)),
            };
            if result.is_err() {
                break;
            }
        }
        if let Some(first) = members.first() {
            let _ = self.enter(Some(&first.name), first.netns.clone());
        }
        self.chosen = label;
        result.map(|()| done)
    }

    /// Acts on all of `members` as one from now on (one member: just that
    /// one). Each is reached first, so a wrong name changes nothing.
    pub fn act_on_all(&mut self, members: Vec<Member>) -> Result<(), KernelError> {
        let Some(first) = members.first().cloned() else { return Ok(()) };
        let before = (self.kernel.netns(), self.chosen.clone());
        for member in members.iter().rev() {
            if let Err(e) = self.enter(Some(&member.name), member.netns.clone()) {
                let _ = self.enter(before.1.as_deref(), before.0);
                return Err(e);
            }
        }
        debug_assert!(self.kernel.netns() == first.netns);
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        self.chosen = Some(names.join(","));
        self.group = match members.len() {
            1 => Vec::new(),
            _ => members,
        };
        Ok(())
    }

    /// `use NODE NODE...`.
    pub(super) fn use_all(&mut self, source: &Source, nodes: &[Spanned<String>]) -> Result<(), Failure> {
        if let Some(dash) = nodes.iter().find(|n| n.value == "-") {
            let d = crate::lang::diagnostic::Diagnostic::error(
                "lvs::use::failed",
                "`-` (where lvsh started) cannot be one of several namespaces".to_string(),
                dash.span,
                "not with others",
            )
            .with_help("`use -` alone goes back; `use gw gw2` acts on both directors");
            return Err(Failure::script(source, d));
        }
        let members: Vec<Member> = nodes
            .iter()
            .map(|n| Member { name: n.value.clone(), netns: self.lab.resolve(&n.value) })
            .collect();
        let span = nodes.iter().map(|n| n.span).reduce(Span::to);
        self.act_on_all(members)
            .map_err(|e| kernel_failure(source, span.unwrap_or_default(), e, "lvs::use::failed"))?;
        let names: Vec<&str> = nodes.iter().map(|n| n.value.as_str()).collect();
        self.write(&format!(
            "service commands now act on the IPVS of {}, as one: a refusal in any undoes the run in all\n",
            crate::render::words::and_list(&names)
        ))
    }
}

impl Interpreter {
    /// The namespaces acted on: the group's, or the one lvsh acts on.
    pub fn members(&self) -> Vec<Member> {
        match self.group.is_empty() {
            true => vec![Member {
                name: self.chosen.clone().unwrap_or_else(|| self.kernel.netns().to_string()),
                netns: self.kernel.netns(),
            }],
            false => self.group.clone(),
        }
    }

    /// Each member's table, read in turn.
    pub fn live_each(&mut self) -> Result<Vec<(Member, crate::converge::Live)>, KernelError> {
        let members = self.members();
        self.in_each_member(&members, |e| e, |interp, member| Ok((member.clone(), interp.live()?)))
    }

    /// Carries out each member's steps, in turn, as one transaction: a
    /// refusal in any undoes every member's ([`Interpreter::converge`] for one).
    pub fn converge_each(
        &mut self,
        sources: &[Source],
        each: Vec<(Member, crate::converge::Steps)>,
        drain: std::time::Duration,
    ) -> Result<(), Failure> {
        let origin = sources.first().cloned().unwrap_or_else(|| Source::new("<apply>", ""));
        let unreachable = |e| kernel_failure(&origin, Span::default(), e, "lvs::use::failed");
        let (members, steps): (Vec<Member>, Vec<crate::converge::Steps>) = each.into_iter().unzip();
        let mut steps = steps.into_iter();
        self.transaction(|interp| {
            let each_member = |interp: &mut Self, member: &Member| match steps.next() {
                Some(steps) => interp.converge_steps(sources, steps, drain).map_err(|f| in_member(f, member)),
                None => Ok(()),
            };
            interp.in_each_member(&members, unreachable, each_member).map(|_| ())
        })
    }
}
