//! The interactive shell (`lvsh` on a terminal): read a statement (a `{`
//! block over several lines), run it, print what it says; errors never end
//! the shell. Completion, hints and colors come from [`helper`]; what the
//! kernel holds comes from a catalog [`refresh`]ed in the background.

pub mod catalog;
pub mod complete;
pub mod cursor;
pub mod helper;
pub mod highlight;
pub mod hint;
pub mod history;
pub mod prompt;
pub mod question;
pub mod refresh;
pub mod validate;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustyline::config::{Builder, ColorMode, CompletionType};
use rustyline::error::ReadlineError;
use rustyline::history::MemHistory;
use rustyline::{Editor, EventHandler, KeyEvent};

use crate::interp::interrupt::{self, Signal};
use crate::interp::{FailureKind, Interpreter};
use crate::ipvs::{Kernel, KernelError, NetlinkKernel, Netns, Unreachable};
use crate::lang::ast::SvcRef;
use crate::lang::source::Source;
use crate::render::diagnostic::{render, render_plain};
use crate::script::ScriptSession;
use catalog::Names;
use helper::Helper;
use prompt::{continuation, prompt};
use refresh::Refresher;

/// How long the prompt may wait for the catalog after a line (only when
/// refreshes are quick; a big table never holds it up).
const REFRESH_WAIT: Duration = Duration::from_secs(2);

/// How the shell was asked to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub netns: Netns,
    /// `--netns` named several namespaces: acted on as one.
    pub group: Vec<crate::interp::group::Member>,
    /// Every `show` prints JSON.
    pub json: bool,
    pub color: bool,
    /// `--netns` was given: a lab that is up does not move the shell to gw.
    pub pinned: bool,
}

/// Runs the shell until Ctrl-D or `exit`. Errors in what was typed never
/// end it; a terminal that cannot be used does, as a failure of the
/// environment (the caller turns that into an exit code).
pub fn run(settings: Settings) -> Result<(), FailureKind> {
    let color = settings.color;
    match Shell::new(settings) {
        Ok(mut shell) => shell.run(),
        Err(e) => {
            eprint!("{}", render_plain(&format!("cannot start the shell: {e}"), None, color));
            Err(FailureKind::Environment)
        }
    }
}

/// What a read gave.
enum Input {
    /// A whole statement or block.
    Text(String),
    /// Ctrl-C: the line (and any open block) is dropped.
    Cancelled,
    /// Ctrl-D.
    End,
}

struct Shell {
    interp: Interpreter,
    /// Whether the interpreter holds a real kernel connection.
    connected: bool,
    editor: Editor<Helper, MemHistory>,
    refresher: Refresher,
    history: Option<PathBuf>,
    /// The Rhai variables and functions `=` lines keep.
    rhai: ScriptSession,
    /// The prompt and open block `?` lists after.
    typing: Arc<Mutex<question::Typing>>,
    color: bool,
}

impl Shell {
    fn new(settings: Settings) -> Result<Shell, ReadlineError> {
        let Settings { netns, group, json, color, pinned } = settings;
        let (kernel, connected) = connect(&netns, color);
        let mut interp = Interpreter::new(kernel, Box::new(std::io::stdout()), crate::script::SCRIPTING);
        interp.json = json;
        interp.pinned = pinned;
        interp.follow_lab();
        if let Err(e) = interp.act_on_all(group) {
            eprintln!("lvsh: {e}");
        }
        eprint!("{}", crate::interp::recovery::warnings(&interp.netns(), color));
        // Ctrl-C while a line runs cancels that line (and undoes it), not the shell.
        interrupt::catch(&[Signal::Int]);
        let config = Builder::new()
            .completion_type(CompletionType::List)
            .auto_add_history(false)
            .history_ignore_dups(true)?
            .max_history_size(history::MAX_ENTRIES)?
            .color_mode(if color { ColorMode::Enabled } else { ColorMode::Disabled })
            .build();
        let mut editor = Editor::with_history(config, MemHistory::new())?;
        let refresher = Refresher::start(interp.netns());
        editor.set_helper(Some(Helper::new(refresher.snapshots())));
        let typing = Arc::new(Mutex::new(question::Typing::default()));
        let printer = Mutex::new(editor.create_external_printer()?);
        let handler = question::Question { typing: typing.clone(), printer };
        editor.bind_sequence(KeyEvent::from('?'), EventHandler::Conditional(Box::new(handler)));
        let mut shell = Shell {
            interp,
            connected,
            editor,
            refresher,
            history: history::path(),
            rhai: ScriptSession::new(),
            typing,
            color,
        };
        shell.load_history();
        Ok(shell)
    }

    fn run(&mut self) -> Result<(), FailureKind> {
        println!("lvsh: `help` lists the commands, Tab completes, Ctrl-D leaves.");
        self.refresher.refresh(&self.interp.netns(), REFRESH_WAIT);
        loop {
            match self.read() {
                Ok(Input::Text(typed)) => match self.full_words(&typed) {
                    Some(text) => {
                        if self.dispatch(&text) {
                            return Ok(());
                        }
                        self.after(&text);
                    }
                    // An ambiguous prefix: said, and the line kept in the history to fix.
                    None => self.after(&typed),
                },
                Ok(Input::Cancelled) => {}
                Ok(Input::End) => return Ok(()),
                Err(e) => {
                    eprint!("{}", render_plain(&format!("cannot read the terminal: {e}"), None, self.color));
                    return Err(FailureKind::Environment);
                }
            }
        }
    }

    /// Reads one statement; an open `{` (or a trailing `\`) reads on with
    /// the continuation prompt.
    fn read(&mut self) -> Result<Input, ReadlineError> {
        let first = prompt(self.place().as_deref(), &self.refresher.catalog());
        let more = continuation(&first);
        let mut text = String::new();
        loop {
            let p = if text.is_empty() { &first } else { &more };
            self.set_pending(&text);
            if let Ok(mut typing) = self.typing.lock() {
                *typing = question::Typing { prompt: p.raw.clone(), pending: text.clone() };
            }
            let line = match self.editor.readline(&(p.raw.as_str(), p.styled.as_str())) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => return Ok(Input::Cancelled),
                Err(ReadlineError::Eof) => return Ok(Input::End),
                Err(e) => return Err(e),
            };
            text.push_str(&line);
            if !validate::is_incomplete(&text) {
                self.set_pending("");
                return Ok(Input::Text(text));
            }
            text.push('\n');
        }
    }

    /// The namespace the prompt names: the one `use` or the lab chose, or
    /// `--netns`'s; none for lvsh's own.
    fn place(&self) -> Option<String> {
        if let Some(name) = self.interp.acting_on() {
            return Some(name.to_string());
        }
        match self.interp.netns() {
            Netns::Current => None,
            other => Some(other.to_string()),
        }
    }

    fn set_pending(&mut self, text: &str) {
        if let Some(helper) = self.editor.helper_mut() {
            *helper.pending.borrow_mut() = text.to_string();
        }
    }

    /// The input with its unique prefixes written out (`sh` is `show`), so
    /// that the history and everything printed hold full words; none when
    /// a prefix begins several words (each is listed).
    fn full_words(&self, text: &str) -> Option<String> {
        let trimmed = text.trim();
        if matches!(trimmed, "exit" | "quit") || ScriptSession::strip(trimmed).is_some() {
            return Some(text.to_string());
        }
        let known: Vec<String> = self.interp.session.names().map(str::to_string).collect();
        match crate::lang::abbrev::expand(text, crate::lab::Lab::is_node, &known) {
            Ok(full) => Some(full),
            Err(diagnostics) => {
                let source = Source::new("<repl>", text);
                diagnostics.iter().for_each(|d| eprint!("{}", render(d, &source, self.color)));
                None
            }
        }
    }

    /// Runs one input; returns whether the shell should end.
    fn dispatch(&mut self, text: &str) -> bool {
        let trimmed = text.trim();
        match trimmed {
            "" => return false,
            "exit" | "quit" => return true,
            _ => {}
        }
        if let Some(code) = ScriptSession::strip(trimmed) {
            self.eval_rhai(code);
            return false;
        }
        self.run_lvs(text);
        false
    }

    /// A `=` line: Rhai, with the variables of earlier lines.
    fn eval_rhai(&mut self, code: &str) {
        // Rhai may not touch the kernel at all (`= 1 + 2`): if it does and
        // IPVS is still missing, its own error says so.
        self.reconnect(false);
        interrupt::clear();
        match self.rhai.eval_line(&mut self.interp, code) {
            Ok(Some(value)) => println!("{value}"),
            Ok(None) => {}
            Err(failure) => eprint!("{}", render(&failure.diagnostic, &failure.source, self.color)),
        }
    }

    /// Parses, checks and runs `.lvs` text as one transaction.
    fn run_lvs(&mut self, text: &str) {
        let source = Source::new("<repl>", text);
        let known: Vec<String> = self.interp.session.names().map(str::to_string).collect();
        let (script, mut diagnostics) = crate::lang::parse::parse_script(&source, crate::lab::Lab::is_node);
        diagnostics.extend(crate::lang::check::check(&script, &known));
        diagnostics.extend(crate::script::check(&source, &script));
        for d in &diagnostics {
            eprint!("{}", render(d, &source, self.color));
        }
        if diagnostics.iter().any(|d| d.is_error()) {
            return;
        }
        // What needs no kernel still uses it once IPVS is loaded (`explain` reads the table).
        let needs_kernel = script.stmts.iter().any(|s| crate::lang::command::needs_kernel(&s.kind));
        if !self.reconnect(needs_kernel) && needs_kernel {
            return;
        }
        interrupt::clear();
        if let Err(failure) = self.interp.run(&source, &script) {
            eprint!("{}", render(&failure.diagnostic, &failure.source, self.color));
        }
        for failure in std::mem::take(&mut self.interp.failures) {
            eprint!("{}", render(&failure.diagnostic, &failure.source, self.color));
        }
    }

    /// Connects to the kernel if the shell started without it (IPVS may
    /// have been loaded since); says why not, if asked, when it still cannot.
    fn reconnect(&mut self, say: bool) -> bool {
        if self.connected {
            return true;
        }
        match NetlinkKernel::connect_in(&self.interp.netns()) {
            Ok(kernel) => {
                self.interp.set_kernel(Box::new(kernel));
                self.connected = true;
                true
            }
            Err(e) => {
                if say {
                    eprint!("{}", render_plain(&e.to_string(), e.help().as_deref(), self.color));
                }
                false
            }
        }
    }

    /// After a line: history, the names for completion, a fresh catalog.
    fn after(&mut self, text: &str) {
        self.remember(text);
        let names: Names = self
            .interp
            .session
            .names()
            .filter_map(|n| Some((n.to_string(), self.interp.session.resolve(&SvcRef::Name(n.to_string()))?)))
            .collect();
        if let Some(helper) = self.editor.helper_mut() {
            helper.names = names;
        }
        self.refresher.refresh(&self.interp.netns(), REFRESH_WAIT);
    }

    fn remember(&mut self, text: &str) {
        if text.trim().is_empty() || text.starts_with(' ') {
            return;
        }
        let _ = self.editor.add_history_entry(text);
        let Some(path) = &self.history else { return };
        if let Err(e) = history::record(path, text) {
            let message = format!("cannot save the history in {}: {e}", path.display());
            eprint!("{}", render_plain(&message, Some("check that folder's permissions"), self.color));
            self.history = None;
        }
    }

    fn load_history(&mut self) {
        let Some(path) = &self.history else { return };
        match history::load(path) {
            Ok(entries) => entries.iter().for_each(|e| {
                let _ = self.editor.add_history_entry(e.as_str());
            }),
            Err(e) => {
                let message = format!("cannot read the history in {}: {e}", path.display());
                eprint!("{}", render_plain(&message, None, self.color));
            }
        }
    }
}

/// The kernel connection, or a stand-in that says why there is none (the
/// shell opens anyway: `help` and the editor work without IPVS).
fn connect(netns: &Netns, color: bool) -> (Box<dyn Kernel>, bool) {
    match NetlinkKernel::connect_in(netns) {
        Ok(kernel) => (Box::new(kernel), true),
        Err(e) => {
            eprint!("{}", unavailable(&e, color));
            (Box::new(Unreachable::new(netns.clone(), &e)), false)
        }
    }
}

fn unavailable(e: &KernelError, color: bool) -> String {
    let help = match e.help() {
        Some(h) => format!("{h}; the shell retries at each command that needs the kernel"),
        None => "the shell retries at each command that needs the kernel".to_string(),
    };
    render_plain(&e.to_string(), Some(&help), color)
}
