//! The crate's layers: every module of src/ uses only modules below it, so
//! the code reads bottom-up and no two modules depend on each other.
//!
//! The check reads src/ as text: `use crate::X`, `crate::X::` paths, and
//! `super::` paths that climb out of a module, with comments and string
//! literals left out. Unit-test modules count like the code around them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use crate::support::{files_with_ext, relative, root};

/// The top-level modules, bottom up: each uses only modules on earlier rows.
const LAYERS: &[(&[&str], &str)] = &[
    (&["ipvs"], "the model and the netlink client"),
    (&["probe", "node"], "connections through a service; processes in namespaces"),
    (&["lang"], "text to checked statements"),
    (
        &["lab", "converge", "diagnose"],
        "the test lab's namespaces and bridges; declarations against the kernel, as a plan; \
         what stops traffic, from facts",
    ),
    (&["keep"], "the keeper's health counts, and the table it keeps the kernel at"),
    (&["render"], "text for people and machines"),
    (&["interp"], "runs statements against the kernel"),
    (&["script"], "Rhai over the interpreter"),
    (&["repl", "cli"], "the interactive shell; the command line's flags"),
    (&["app"], "picks a mode and maps its outcome to an exit code"),
];

/// The files of src/script/, bottom up in the same way (`mod` is mod.rs).
const SCRIPT_LAYERS: &[(&[&str], &str)] = &[
    (&["options", "place", "stats"], "helpers: option maps as words, places in the source, counters"),
    (&["engine"], "the sandbox: an engine with limits and no lvsh functions"),
    (&["docs"], "what `help rhai` lists; its test compiles each example in the sandbox"),
    (&["error"], "errors both ways between lvsh and Rhai"),
    (&["host"], "the interpreter lent to an evaluation, and calls through it"),
    (&["probe", "backend"], "types scripts see"),
    (&["service"], "a service, whose methods return its backends and probes"),
    (&["api"], "the global functions, and the engine with all of lvsh in it"),
    (&["session"], "Rhai lines in the REPL"),
    (&["mod"], "script blocks and files, and what the module exports"),
];

/// What a module must not use (`None`: any other module), and why.
const FORBIDDEN: &[(&str, Option<&[&str]>, &str)] = &[
    ("ipvs", None, "ipvs is the bottom layer: it knows only the kernel"),
    (
        "lang",
        Some(&["interp", "render", "repl", "script", "lab", "app"]),
        "the language is read and checked; it neither runs, nor prints, nor knows the lab",
    ),
    ("render", Some(&["interp", "script"]), "rendering takes data, not the interpreter or Rhai"),
];

/// A use the rules forbid that is known and kept for now.
struct Allowed {
    file: &'static str,
    uses: &'static str,
    why: &'static str,
}

impl Allowed {
    fn matches(&self, u: &Use) -> bool {
        self.file == u.file && u.modules().is_some_and(|(_, to)| to == self.uses)
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} uses crate::{} ({})", self.file, self.uses, self.why)
    }
}

/// The known exceptions. A test fails when one no longer occurs: delete its
/// entry with the use it allowed.
const ALLOWED: &[Allowed] = &[];

/// One path a source file names, resolved from the crate root.
#[derive(Debug)]
struct Use {
    file: String,
    line: usize,
    /// The module the file belongs to, from the crate root (`["script", "api"]`).
    from: Vec<String>,
    /// The path used, from the crate root (`["lang", "ast", "Stmt"]`).
    path: Vec<String>,
}

impl Use {
    fn site(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The top-level module using and the one used, when they differ.
    fn modules(&self) -> Option<(&str, &str)> {
        let (from, to) = (self.from.first()?, self.path.first()?);
        (from != to && top_level_modules().contains(to)).then_some((from.as_str(), to.as_str()))
    }

    fn allowed(&self) -> bool {
        ALLOWED.iter().any(|a| a.matches(self))
    }
}

#[test]
fn ipvs_and_lang_and_render_use_nothing_above_them() {
    let mut problems = Vec::new();
    for u in crate_uses().iter().filter(|u| !u.allowed()) {
        let Some((from, to)) = u.modules() else { continue };
        for (module, forbidden, why) in FORBIDDEN {
            if from == *module && forbidden.is_none_or(|f| f.contains(&to)) {
                problems.push(format!("{}: {from} uses crate::{to}: {why}", u.site()));
            }
        }
    }
    assert!(problems.is_empty(), "forbidden uses:\n{}", problems.join("\n"));
}

#[test]
fn every_module_uses_only_layers_below_it() {
    let modules = top_level_modules();
    let listed: BTreeSet<String> =
        LAYERS.iter().flat_map(|(row, _)| row.iter().map(|m| m.to_string())).collect();
    assert_eq!(&listed, modules, "LAYERS must list the top-level modules of src/");
    let problems = layer_problems(&top_level_edges(), LAYERS);
    assert!(problems.is_empty(), "uses against LAYERS:\n{}", problems.join("\n"));
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let cycles = cycles(&top_level_edges());
    assert!(cycles.is_empty(), "import cycles between top-level modules:\n{}", cycles.join("\n"));
}

#[test]
fn every_file_of_script_uses_only_files_below_it() {
    let files: BTreeSet<String> =
        files_with_ext(&root().join("src/script"), "rs").iter().map(|f| file_stem(f)).collect();
    let listed: BTreeSet<String> =
        SCRIPT_LAYERS.iter().flat_map(|(row, _)| row.iter().map(|m| m.to_string())).collect();
    assert_eq!(listed, files, "SCRIPT_LAYERS must list the files of src/script/");
    let edges = script_edges(&files);
    let problems = layer_problems(&edges, SCRIPT_LAYERS);
    assert!(problems.is_empty(), "uses against SCRIPT_LAYERS:\n{}", problems.join("\n"));
    let cycles = cycles(&edges);
    assert!(cycles.is_empty(), "import cycles inside src/script/:\n{}", cycles.join("\n"));
}

#[test]
fn every_allowed_exception_still_occurs() {
    let uses = crate_uses();
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|a| !uses.iter().any(|u| a.matches(u)))
        .map(|a| format!("{a}: no longer occurs; delete the entry"))
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// Who uses whom: (user, used) → the sites, first one first.
type Edges = BTreeMap<(String, String), Vec<String>>;

/// The uses between top-level modules, without the allowed ones.
fn top_level_edges() -> Edges {
    let mut edges = Edges::new();
    for u in crate_uses().iter().filter(|u| !u.allowed()) {
        if let Some((from, to)) = u.modules() {
            edges.entry((from.to_string(), to.to_string())).or_default().push(u.site());
        }
    }
    edges
}

/// The uses between the files of src/script/ (`mod` for mod.rs and what it exports).
fn script_edges(files: &BTreeSet<String>) -> Edges {
    let file_of = |path: &[String]| match path.get(1) {
        Some(name) if files.contains(name) => name.clone(),
        _ => "mod".to_string(),
    };
    let mut edges = Edges::new();
    let inside = crate_uses().into_iter().filter(|u| u.from.first().is_some_and(|m| m == "script"));
    for u in inside.filter(|u| u.path.first().is_some_and(|m| m == "script")) {
        let (from, to) = (file_of(&u.from), file_of(&u.path));
        if from != to {
            edges.entry((from, to)).or_default().push(u.site());
        }
    }
    edges
}

/// Each use that does not go to an earlier row of `layers` than the user's.
fn layer_problems(edges: &Edges, layers: &[(&[&str], &str)]) -> Vec<String> {
    let row = |m: &str| layers.iter().position(|(row, _)| row.contains(&m));
    let mut problems = Vec::new();
    for ((from, to), sites) in edges {
        if let (Some(a), Some(b)) = (row(from), row(to)) {
            if b >= a {
                problems.push(format!("{}: {from} uses {to}, which is not below it", sites[0]));
            }
        }
    }
    problems
}

/// The cycles of `edges` as `a -> b -> a` with a site of each use: for each
/// module in none reported yet, the shortest cycle through it.
fn cycles(edges: &Edges) -> Vec<String> {
    let next = |m: &str| -> Vec<&str> {
        edges.keys().filter(|(from, _)| from == m).map(|(_, to)| to.as_str()).collect()
    };
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let starts: BTreeSet<&str> = edges.keys().map(|(from, _)| from.as_str()).collect();
    for start in starts {
        if reported.contains(start) {
            continue;
        }
        // The shortest way back to `start`, breadth first.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(m) = queue.pop_front() {
            for n in next(m) {
                if n == start {
                    closing = Some(m);
                    break;
                }
                if !came_from.contains_key(n) {
                    came_from.insert(n, m);
                    queue.push_back(n);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let Some(mut m) = closing else { continue };
        let mut path = vec![start];
        while m != start {
            path.insert(1, m);
            m = came_from[m];
        }
        path.push(start);
        reported.extend(path.iter().map(|m| m.to_string()));
        let sites: Vec<String> =
            path.windows(2).map(|w| edges[&(w[0].to_string(), w[1].to_string())][0].clone()).collect();
        out.push(format!("{} ({})", path.join(" -> "), sites.join(", ")));
    }
    out
}

/// The top-level modules: the directories and files of src/ but lib.rs and main.rs.
fn top_level_modules() -> &'static BTreeSet<String> {
    static MODULES: OnceLock<BTreeSet<String>> = OnceLock::new();
    MODULES.get_or_init(|| {
        let src = root().join("src");
        let entries =
            std::fs::read_dir(&src).unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()));
        entries
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
            .map(|p| file_stem(&p))
            .filter(|name| name != "lib" && name != "main")
            .collect()
    })
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every use in the library's sources (main.rs is the binary, a crate of its own).
fn crate_uses() -> Vec<Use> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut uses = Vec::new();
    for file in files {
        let name = relative(&file);
        if name == "src/main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        uses.extend(scan(&name, &text));
    }
    uses
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    out.extend(files_with_ext(dir, "rs"));
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut dirs: Vec<_> =
        entries.map(|e| e.expect("a directory entry").path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for d in dirs {
        rust_files(&d, out);
    }
}

/// The module a file defines, from the crate root: `src/script/api.rs` → `script::api`.
fn file_module(file: &str) -> Vec<String> {
    let inner = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The crate paths `text` (the file `file`) names, each resolved from the crate root.
fn scan(file: &str, text: &str) -> Vec<Use> {
    let tokens = tokens(&code_only(text));
    let base = file_module(file);
    // `mod x;` at the file's level: `x::y` then names a child.
    let children: BTreeSet<&str> = tokens
        .windows(3)
        .filter(|w| w[0].text == "mod" && w[2].text == ";")
        .map(|w| w[1].text.as_str())
        .collect();
    let mut uses = Vec::new();
    // Inline modules (`mod tests { .. }`) open: name and the depth inside them.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i].text;
        match t.as_str() {
            "{" => {
                depth += 1;
                if i >= 2 && tokens[i - 2].text == "mod" {
                    inline.push((tokens[i - 1].text.clone(), depth));
                }
            }
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            _ => {}
        }
        let starts_path = i == 0 || tokens[i - 1].text != "::";
        let root_word = t == "crate"
            || t == "super"
            || t == "self"
            || (inline.is_empty() && children.contains(t.as_str()));
        if starts_path && root_word && tokens.get(i + 1).is_some_and(|n| n.text == "::") {
            let mut here = base.clone();
            here.extend(inline.iter().map(|(name, _)| name.clone()));
            let (paths, end) = use_tree(&tokens, i);
            for (line, path) in paths {
                uses.push(Use {
                    file: file.to_string(),
                    line,
                    from: base.clone(),
                    path: resolve(&here, &path),
                });
            }
            i = end;
            continue;
        }
        i += 1;
    }
    uses
}

/// `path` as written in module `here`, from the crate root.
fn resolve(here: &[String], path: &[String]) -> Vec<String> {
    let mut out = here.to_vec();
    let mut words = path.iter().peekable();
    match words.peek().map(|w| w.as_str()) {
        Some("crate") => {
            out.clear();
            words.next();
        }
        Some("self") => {
            words.next();
        }
        _ => {}
    }
    while words.peek().is_some_and(|w| *w == "super") {
        out.pop();
        words.next();
    }
    out.extend(words.filter(|w| *w != "self").cloned());
    out
}

/// The paths of a path or a use tree starting at token `start` (`a::b::{c, d::e}`),
/// each with the line of its last part, and the index after it.
fn use_tree(tokens: &[Token], start: usize) -> (Vec<(usize, Vec<String>)>, usize) {
    let mut prefix = Vec::new();
    let mut i = start;
    while let Some(t) = tokens.get(i) {
        if is_word(&t.text) {
            prefix.push(t.text.clone());
            i += 1;
        }
        match (tokens.get(i).map(|t| t.text.as_str()), tokens.get(i + 1).map(|t| t.text.as_str())) {
            (Some("::"), Some("{")) => {
                let mut paths = Vec::new();
                i += 2;
                while tokens.get(i).is_some_and(|t| t.text != "}") {
                    if tokens[i].text == "," {
                        i += 1;
                        continue;
                    }
                    let (inner, end) = use_tree(tokens, i);
                    for (line, path) in inner {
                        paths.push((line, prefix.iter().cloned().chain(path).collect()));
                    }
                    // `as name` and `*` end an item without naming more.
                    i = end.max(i + 1);
                    while tokens.get(i).is_some_and(|t| t.text != "," && t.text != "}") {
                        i += 1;
                    }
                }
                return (paths, i + 1);
            }
            (Some("::"), Some(w)) if is_word(w) => i += 1,
            _ => break,
        }
    }
    let line = tokens.get(i.saturating_sub(1)).map_or(0, |t| t.line);
    (vec![(line, prefix)], i)
}

fn is_word(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// A word, `::`, or one other character of code, with its line.
#[derive(Debug)]
struct Token {
    text: String,
    line: usize,
}

fn tokens(code: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\n' {
            line += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = at + c.len_utf8();
            while let Some((i, n)) = chars.next_if(|(_, n)| n.is_alphanumeric() || *n == '_') {
                end = i + n.len_utf8();
            }
            out.push(Token { text: code[at..end].to_string(), line });
        } else if c == ':' && chars.next_if(|(_, n)| *n == ':').is_some() {
            out.push(Token { text: "::".into(), line });
        } else if !c.is_whitespace() {
            out.push(Token { text: c.to_string(), line });
        }
    }
    out
}

/// `text` with comments and the insides of string and character literals
/// blanked out, lines kept, so that only code is left to read.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i).filter(|_| !after_word) {
            // r"..", r#".."#, br".." : no escapes, ends at a quote and as many #.
            let end: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let end: Vec<char> = end.chars().collect();
            i += chars[i..].iter().position(|&c| c == '"').map_or(chars.len(), |p| p + 1);
            while i < chars.len() && !chars[i..].starts_with(&end) {
                out.push(blank(chars[i]));
                i += 1;
            }
            i += end.len();
            out.push('"');
            out.push('"');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                out.extend(chars.get(i).map(|&c| blank(c)));
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal ('\n', '\'', '\u{7b}'): past the escaped character to the quote.
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A character literal ('{'); a lifetime ('a) has no closing quote.
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `i` (`r"`, `r#"`, `br"`, ...).
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let rest = match chars[i..] {
        ['b', 'r', ..] => &chars[i + 2..],
        ['r', ..] => &chars[i + 1..],
        _ => return None,
    };
    let hashes = rest.iter().take_while(|&&c| c == '#').count();
    (rest.get(hashes) == Some(&'"')).then_some(hashes)
}

/// The checker itself, on small texts.
mod checker {
    use super::*;

    fn paths(file: &str, text: &str) -> Vec<String> {
        scan(file, text).iter().map(|u| format!("{}:{}", u.line, u.path.join("::"))).collect()
    }

    #[test]
    fn comments_strings_and_characters_name_nothing() {
        let text = "// crate::a\n/* crate::b /* crate::c */ */\nlet s = \"crate::d\";\n\
                    let r = r#\"crate::e\"#;\nlet c = '{';\nuse crate::f::G;\n";
        assert_eq!(paths("src/x.rs", text), ["6:f::G"]);
    }

    #[test]
    fn groups_super_and_children_are_resolved_from_the_crate_root() {
        let text = "mod child;\nuse crate::{a::B,\n  c::{self, D}};\nuse super::y::Z;\n\
                    fn f() { child::g(); }\nmod tests {\n    use super::super::w::V;\n}\n";
        let found = paths("src/p/q.rs", text);
        assert_eq!(found, ["2:a::B", "3:c", "3:c::D", "4:p::y::Z", "5:p::q::child::g", "7:p::w::V"]);
    }

    #[test]
    fn lifetimes_are_not_character_literals() {
        let text = "fn f<'a>(x: &'a str) -> &'a str { crate::g::h(x) }\n";
        assert_eq!(paths("src/x.rs", text), ["1:g::h"]);
    }
}
