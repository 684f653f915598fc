//! Tab completion: what may come at the cursor, from the command shapes
//! (keywords, schedulers, options) and from the catalog (the services and
//! backends in the kernel, names, namespaces), and file paths.

use std::path::Path;

use super::catalog::{resolve, Catalog, Names};
use super::cursor::{block_service, cursor, Cursor};
use crate::ipvs::{Scheduler, ServiceKey};
use crate::lang::command::{Value, COMMAND_HELP};
use crate::lang::shape::{walk, Atom, Ctx, Expected};

/// What completion draws on.
#[derive(Debug, Clone, Copy)]
pub struct Model<'a> {
    pub catalog: &'a Catalog,
    pub names: &'a Names,
}

/// One completion: what the list shows and what replaces the word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

impl Candidate {
    /// A whole word: a blank follows it.
    fn word(text: impl Into<String>) -> Candidate {
        let text = text.into();
        Candidate { replacement: format!("{text} "), display: text }
    }
}

/// The completions of the word that ends `text` (the text up to the
/// cursor), and the byte offset in `text` where that word starts.
pub fn complete(text: &str, model: Model<'_>) -> (usize, Vec<Candidate>) {
    let c = cursor(text);
    if c.inert {
        return (c.start, Vec::new());
    }
    let mut out = candidates(&c, model);
    out.retain(|cand| {
        cand.replacement.starts_with(c.partial.as_str()) || cand.display.starts_with(&c.partial)
    });
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.replacement == b.replacement);
    (c.start, out)
}

fn candidates(c: &Cursor, model: Model<'_>) -> Vec<Candidate> {
    match (&c.block, c.words.is_empty()) {
        (Some(_), true) => {
            return vec![
                Candidate::word("backend"),
                Candidate { display: "}".into(), replacement: "}".into() },
            ]
        }
        (None, true) => return commands(),
        _ => {}
    }
    let Some(words) = statement_words(c) else { return Vec::new() };
    let walk = walk(&words, crate::lab::Lab::is_node);
    walk.expected.iter().flat_map(|e| expected(e, &c.partial, model)).collect()
}

/// The words to walk: a block's `backend ADDR ...` line reads as
/// `backend SERVICE ADDR ...` with the block's service.
pub fn statement_words(c: &Cursor) -> Option<Vec<String>> {
    let Some(service) = &c.block else { return Some(c.words.clone()) };
    if c.words.first().map(String::as_str) != Some("backend") {
        return None;
    }
    let mut words = vec!["backend".to_string()];
    words.extend(block_service(service));
    words.extend(c.words[1..].iter().cloned());
    Some(words)
}

fn commands() -> Vec<Candidate> {
    COMMAND_HELP.iter().map(|c| Candidate::word(c.name)).collect()
}

/// The candidates for one thing that may come next.
fn expected(e: &Expected, partial: &str, model: Model<'_>) -> Vec<Candidate> {
    match &e.atom {
        Atom::Word { text, offered: true } => vec![Candidate::word(*text)],
        Atom::Word { offered: false, .. } => Vec::new(),
        Atom::Value { value, .. } => value_candidates(*value, &e.ctx, partial, model),
        Atom::Ipvsadm(words) => ipvsadm(words, partial, model),
    }
}

fn value_candidates(value: Value, ctx: &Ctx, partial: &str, model: Model<'_>) -> Vec<Candidate> {
    let catalog = model.catalog;
    match value {
        Value::ServiceName => services(model, partial),
        Value::Vip => vips(catalog, ctx.proto.unwrap_or("tcp"), partial),
        Value::Mark => catalog.marks().map(|m| Candidate::word(m.to_string())).collect(),
        Value::Backend => backends(ctx.service.as_ref().and_then(|s| resolve(s, model.names)), catalog),
        Value::Scheduler => Scheduler::KNOWN.iter().map(|s| Candidate::word(*s)).collect(),
        Value::Node => catalog.nodes.iter().map(Candidate::word).collect(),
        Value::Lesson => crate::lab::lessons::all().iter().map(|l| Candidate::word(l.name)).collect(),
        Value::File => files(partial),
        Value::Command => commands(),
        Value::Topic => crate::lang::describe::TOPICS.iter().map(|t| Candidate::word(t.name)).collect(),
        Value::Flags => flags(partial),
        _ => Vec::new(),
    }
}

/// The services whose name or key starts with `partial`.
fn services(model: Model<'_>, partial: &str) -> Vec<Candidate> {
    let named =
        model.names.iter().filter(|(n, k)| n.starts_with(partial) && model.catalog.services.contains(k));
    let mut out: Vec<Candidate> = named.map(|(n, _)| Candidate::word(n)).collect();
    out.extend(model.catalog.labels_from(partial).map(Candidate::word));
    out
}

fn vips(catalog: &Catalog, proto: &str, partial: &str) -> Vec<Candidate> {
    catalog.vips(proto, partial).map(Candidate::word).collect()
}

fn backends(key: Option<ServiceKey>, catalog: &Catalog) -> Vec<Candidate> {
    key.map(|k| catalog.backends(&k).iter().map(|a| Candidate::word(a.to_string())).collect())
        .unwrap_or_default()
}

/// Scheduler flags, completing the name after the last comma.
fn flags(partial: &str) -> Vec<Candidate> {
    let done = partial.rfind(',').map_or("", |at| &partial[..=at]);
    crate::lang::parse::SCHED_FLAGS.iter().map(|f| Candidate::word(format!("{done}{f}"))).collect()
}

/// An ipvsadm line: the value an option waits for, or the options left.
fn ipvsadm(words: &[String], partial: &str, model: Model<'_>) -> Vec<Candidate> {
    let next = crate::lang::ipvsadm::next(words, partial.starts_with("--"));
    let Some(option) = next.value_of else {
        return next.options.into_iter().map(Candidate::word).collect();
    };
    let catalog = model.catalog;
    let fixed: &[&str] = match option {
        "tcp-service" => return vips(catalog, "tcp", partial),
        "udp-service" => return vips(catalog, "udp", partial),
        "sctp-service" => return vips(catalog, "sctp", partial),
        "fwmark-service" => return catalog.marks().map(|m| Candidate::word(m.to_string())).collect(),
        "real-server" => {
            let key = next.service.and_then(|(long, value)| ipvsadm_service(long, &value));
            return backends(key, catalog);
        }
        "sched-flags" => return flags(partial),
        "scheduler" => &Scheduler::KNOWN,
        "tun-type" => &["ipip", "gue", "gre"],
        "start-daemon" | "stop-daemon" => &["master", "backup"],
        "pe" => &["sip"],
        _ => &[],
    };
    fixed.iter().map(|w| Candidate::word(*w)).collect()
}

/// The service of an ipvsadm line (`-t ADDR:PORT` and the like).
fn ipvsadm_service(long: &str, value: &str) -> Option<ServiceKey> {
    use crate::lang::shape::SvcSel;
    let sel = match long {
        "tcp-service" => SvcSel::Inet { proto: "tcp", addr: value.into() },
        "udp-service" => SvcSel::Inet { proto: "udp", addr: value.into() },
        "sctp-service" => SvcSel::Inet { proto: "sctp", addr: value.into() },
        _ => SvcSel::Fwmark { mark: value.into(), ipv6: false },
    };
    resolve(&sel, &Vec::new())
}

/// Files and folders that complete a path (a folder ends with `/`).
fn files(partial: &str) -> Vec<Candidate> {
    let unquoted = partial.strip_prefix('"').unwrap_or(partial);
    let quote = if unquoted.len() < partial.len() { "\"" } else { "" };
    let (dir, _) = unquoted.rsplit_once('/').map_or(("", unquoted), |(d, f)| (d, f));
    let shown_dir = if unquoted.contains('/') { format!("{dir}/") } else { String::new() };
    let read_from = match (dir, unquoted.contains('/')) {
        ("", true) => Path::new("/"),
        (_, true) => Path::new(dir),
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(read_from) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.file_type().ok()?.is_dir();
            let path = format!("{shown_dir}{name}");
            let replacement = match is_dir {
                true => format!("{quote}{path}/"),
                false if quote.is_empty() => format!("{path} "),
                false => format!("{quote}{path}\" "),
            };
            Some(Candidate { display: name, replacement })
        })
        .filter(|c| c.replacement.starts_with(partial))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Family, Protocol};

    fn catalog() -> Catalog {
        let web = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let dns = ServiceKey::Inet { protocol: Protocol::Udp, addr: "111.111.0.1:53".parse().unwrap() };
        let mark = ServiceKey::Fwmark { mark: 7, family: Family::V4 };
        Catalog::new(
            vec![
                (web, vec!["10.10.0.2:8000".parse().unwrap(), "10.10.0.3:8000".parse().unwrap()]),
                (dns, vec!["10.10.0.5:53".parse().unwrap()]),
                (mark, vec![]),
            ],
            vec!["ext1".into(), "gw".into(), "int1".into()],
        )
    }

    fn names() -> Names {
        vec![("web".to_string(), ServiceKey::tcp("111.111.0.1:80".parse().unwrap()))]
    }

    /// The replacements offered at the end of `text`.
    fn offered(text: &str) -> Vec<String> {
        let (catalog, names) = (catalog(), names());
        let (_, cands) = complete(text, Model { catalog: &catalog, names: &names });
        cands.into_iter().map(|c| c.replacement).collect()
    }

    #[test]
    fn a_line_starts_with_a_command() {
        assert_eq!(offered("pro"), ["probe "]);
        assert_eq!(
            offered("s"),
            ["save ", "script ", "serve ", "service ", "set ", "show ", "sleep ", "source ", "stop "]
        );
        assert!(offered("").len() >= 20);
    }

    #[test]
    fn keywords_follow_the_command() {
        assert_eq!(offered("del "), ["backend ", "service "]);
        assert_eq!(offered("show web --st"), ["--stats "]);
        assert_eq!(offered("daemon start m"), ["master "]);
        assert!(offered("backend web 10.0.0.9:80 ").contains(&"weight ".to_string()));
    }

    #[test]
    fn schedulers_and_forwarding_methods_where_they_fit() {
        assert_eq!(offered("service web tcp 1.2.3.4:80 wr"), ["wrr "]);
        assert_eq!(offered("set backend web 10.10.0.2:8000 ro"), ["route "]);
        assert_eq!(offered("service web tcp 1.2.3.4:80 sh flags sh-fallback,sh-p"), ["sh-fallback,sh-port "]);
    }

    #[test]
    fn a_service_position_offers_the_kernel_services_by_name_and_key() {
        assert_eq!(
            offered("del service "),
            ["fwmark 7 ", "tcp 111.111.0.1:80 ", "udp 111.111.0.1:53 ", "web "]
        );
        assert_eq!(offered("probe t"), ["tcp 111.111.0.1:80 "]);
        assert_eq!(offered("zero udp "), ["111.111.0.1:53 "]);
        assert_eq!(offered("show fwmark "), ["7 "]);
    }

    #[test]
    fn a_backend_position_offers_the_backends_of_the_service_named_before() {
        assert_eq!(offered("del backend web "), ["10.10.0.2:8000 ", "10.10.0.3:8000 "]);
        assert_eq!(offered("del backend udp 111.111.0.1:53 "), ["10.10.0.5:53 "]);
        assert_eq!(offered("expect web backend 10.10.0.3"), ["10.10.0.3:8000 "]);
        assert!(offered("del backend nosuch ").is_empty());
    }

    #[test]
    fn a_block_offers_backend_and_the_services_backends() {
        let block = "service web tcp 111.111.0.1:80 rr {\n";
        assert_eq!(offered(block), ["backend ", "}"]);
        assert_eq!(offered(&format!("{block}  backend ")), ["10.10.0.2:8000 ", "10.10.0.3:8000 "]);
        assert!(offered(&format!("{block}  backend 10.1.1.1:80 ")).contains(&"masq ".to_string()));
    }

    #[test]
    fn nodes_after_from() {
        assert_eq!(offered("probe web from e"), ["ext1 "]);
    }

    #[test]
    fn lessons_after_tutorial_and_methods_after_lab_backends() {
        assert_eq!(offered("tutorial we"), ["weights "]);
        assert!(offered("tutorial ").contains(&"direct-routing ".to_string()));
        assert!(offered("tutorial weights ").contains(&"--yes ".to_string()));
        assert_eq!(offered("lab backends t"), ["tunnel "]);
    }

    #[test]
    fn explain_completes_the_line_it_explains() {
        assert_eq!(offered("explain del backend web 10.10.0.2"), ["10.10.0.2:8000 "]);
        assert_eq!(offered("explain fl"), ["flush "]);
    }

    #[test]
    fn help_offers_commands() {
        assert_eq!(offered("help ex"), ["expect ", "explain "]);
    }

    #[test]
    fn the_ipvsadm_line_completes_its_options_and_values() {
        assert!(offered("ipvsadm ").contains(&"-A ".to_string()));
        assert_eq!(offered("ipvsadm -A -t "), ["111.111.0.1:80 "]);
        assert_eq!(offered("ipvsadm -a -u 111.111.0.1:53 -r "), ["10.10.0.5:53 "]);
        assert_eq!(offered("ipvsadm -A -t 1.2.3.4:80 -s w"), ["wlc ", "wrr "]);
        assert_eq!(offered("ipvsadm -A -t 1.2.3.4:80 --sch"), ["--sched-flags ", "--scheduler "]);
    }

    #[test]
    fn comments_complete_nothing() {
        assert!(offered("show # sh").is_empty());
    }

    #[test]
    fn file_paths_after_run_source_and_restore() {
        let dir = std::env::temp_dir().join(format!("lvsh-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("rules.txt"), "").unwrap();
        let base = dir.display().to_string();
        assert_eq!(offered(&format!("restore {base}/r")), [format!("{base}/rules.txt ")]);
        assert_eq!(offered(&format!("source {base}/s")), [format!("{base}/sub/")]);
        assert_eq!(offered(&format!("save \"{base}/ru")), [format!("\"{base}/rules.txt\" ")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
