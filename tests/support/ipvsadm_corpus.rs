//! The drop-in ipvsadm's corpus (`tests/cases/ipvsadm/corpus.txt`, whose
//! head describes the format): read here for the guest test that runs it
//! and for the host test that checks it covers every command.

/// The corpus, the hosts and the services its names resolve from.
pub const CORPUS: &str = include_str!("../cases/ipvsadm/corpus.txt");
pub const HOSTS: &str = include_str!("../cases/ipvsadm/hosts");
pub const SERVICES: &str = include_str!("../cases/ipvsadm/services");

/// One invocation of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Its line in the corpus (1-based), and the line as written.
    pub line: usize,
    pub text: String,
    /// The arguments after `ipvsadm`.
    pub args: Vec<String>,
    /// Standard input, when the line gives one.
    pub stdin: Option<String>,
    /// `2>&1`: standard error goes where standard output goes (which then
    /// shows how the two interleave).
    pub merged: bool,
}

/// Every invocation of `text`, or what is wrong with it and where.
pub fn invocations(text: &str) -> Result<Vec<Invocation>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let at = |why: &str| format!("corpus line {number}: {why}: {line}");
        let mut words = shlex::split(trimmed).ok_or_else(|| at("unbalanced quotes"))?;
        if words.first().map(String::as_str) != Some("ipvsadm") {
            return Err(at("an invocation starts with `ipvsadm`"));
        }
        words.remove(0);
        let merged = words.iter().any(|w| w == "2>&1");
        words.retain(|w| w != "2>&1");
        let stdin = match words.iter().position(|w| w == "<<EOF" || w == "<<<") {
            None => None,
            Some(i) if words[i] == "<<EOF" && i + 1 == words.len() => {
                words.truncate(i);
                let mut input = String::new();
                loop {
                    let (_, next) = lines.next().ok_or_else(|| at("`<<EOF` without its `EOF` line"))?;
                    if next == "EOF" {
                        break Some(input);
                    }
                    input.push_str(next);
                    input.push('\n');
                }
            }
            Some(i) if words[i] == "<<<" && i + 2 == words.len() => {
                let input = unescape(&words[i + 1]).map_err(|why| at(&why))?;
                words.truncate(i);
                Some(input)
            }
            Some(_) => return Err(at("`<<EOF` ends a line; `<<<` is followed by one quoted text")),
        };
        out.push(Invocation { line: number, text: trimmed.to_string(), args: words, stdin, merged });
    }
    Ok(out)
}

/// `\n`, `\t`, `\r` and `\\` in a `<<<` text.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('\\') => '\\',
            other => return Err(format!("unknown escape \\{}", other.map(String::from).unwrap_or_default())),
        });
    }
    Ok(out)
}
