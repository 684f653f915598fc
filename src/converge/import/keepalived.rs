//! A keepalived.conf as declarations, keepalived's meaning read from its
//! source (v2.3): the file's top level here (`virtual_server_group`s are
//! found first, as keepalived looks them up once the file is read;
//! `global_defs` gives the timeouts; every block outside LVS is one note),
//! each `virtual_server` read in [`super::virtual_server`], and made into
//! services in [`super::services`]. The output is all or nothing: every
//! error is reported, and then nothing is printed.

use std::collections::{HashMap, HashSet};

use super::groups::{self, Member};
use super::values::timeouts;
use super::{bad_value, Item, DUPLICATE};
use crate::ipvs::ServiceKey;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::keepalived::{self, Node};
use crate::lang::source::{Source, Span};

/// The diagnostic code of `virtual_server group NAME` when no group has that name.
pub const UNKNOWN_GROUP: &str = "lvs::import::unknown-group";

/// Every declaration and note of a keepalived.conf, or every reason it
/// cannot be imported.
pub fn import(source: &Source) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let nodes = keepalived::parse(source).map_err(|d| vec![*d])?;
    let mut importer = Importer::new(source);
    importer.find_groups(&nodes);
    for node in &nodes {
        importer.top(node);
    }
    let mut errors = importer.errors;
    if errors.is_empty() {
        return Ok(importer.items);
    }
    errors.sort_by_key(|d| d.primary.span.start);
    Err(errors)
}

/// The file being read, and what it has made so far.
pub(super) struct Importer<'a> {
    pub(super) source: &'a Source,
    /// Each `virtual_server_group`'s members, by its name (the first of a
    /// name: keepalived finds that one).
    pub(super) groups: HashMap<&'a str, Vec<Member>>,
    /// The groups some `virtual_server` uses.
    pub(super) used: HashSet<&'a str>,
    pub(super) items: Vec<Item>,
    pub(super) errors: Vec<Diagnostic>,
    /// Each service made so far, with the statement that made it.
    pub(super) made: HashMap<ServiceKey, Span>,
    /// The service names given so far.
    pub(super) names: HashSet<String>,
}

impl<'a> Importer<'a> {
    fn new(source: &'a Source) -> Importer<'a> {
        Importer {
            source,
            groups: HashMap::new(),
            used: HashSet::new(),
            items: Vec::new(),
            errors: Vec::new(),
            made: HashMap::new(),
            names: HashSet::new(),
        }
    }

    /// Every group, its members read once (and each bad one reported once).
    fn find_groups(&mut self, nodes: &'a [Node]) {
        for node in nodes {
            match node.keyword.value.as_str() {
                "virtual_server_group" => {
                    let Some(name) = node.arg(0) else {
                        let help = "write `virtual_server_group NAME { ... }`";
                        self.errors.push(*bad_value(
                            node.keyword.span,
                            "a `virtual_server_group` needs a name",
                            "no name",
                            help,
                        ));
                        continue;
                    };
                    let mut members = Vec::new();
                    for member in node.children().iter().map(groups::member) {
                        match member {
                            Ok(m) => members.push(m),
                            Err(d) => self.errors.push(*d),
                        }
                    }
                    let first = nodes.iter().find(|n| {
                        n.keyword.value == "virtual_server_group"
                            && n.arg(0).is_some_and(|a| a.value == name.value)
                    });
                    match first.filter(|first| !std::ptr::eq(*first, node)) {
                        Some(first) => self.errors.push(
                            Diagnostic::error(
                                DUPLICATE,
                                format!("two groups are named `{}`", name.value),
                                name.span,
                                "named again here",
                            )
                            .with_secondary(first.line_span(), "first named here")
                            .with_help("give each `virtual_server_group` its own name"),
                        ),
                        None => {
                            self.groups.insert(&name.value, members);
                        }
                    }
                }
                "virtual_server" if node.arg(0).is_some_and(|w| w.value == "group") => {
                    if let Some(name) = node.arg(1) {
                        self.used.insert(&name.value);
                    }
                }
                _ => {}
            }
        }
    }

    /// A statement at the top of the file.
    fn top(&mut self, node: &'a Node) {
        let keyword = node.keyword.value.as_str();
        match keyword {
            "virtual_server" => match self.virtual_server(node) {
                Ok(items) => self.items.extend(items),
                Err(d) => self.errors.push(*d),
            },
            "virtual_server_group" => {
                if node.arg(0).is_some_and(|name| !self.used.contains(name.value.as_str())) {
                    let note = self.note(node, "no `virtual_server` uses this group");
                    self.items.push(Item::Note(note));
                }
            }
            "global_defs" => self.global_defs(node),
            _ => {
                let why = match keyword {
                    "include" | "includer" | "includem" | "includew" | "includeb" | "includea" => {
                        "lvsh follows no include: import that file too"
                    }
                    "SSL" => "the SSL context of SSL_GET checks, which `apply` files cannot declare yet",
                    _ if keyword.starts_with('@') => {
                        "conditional on keepalived's config id, which lvsh does not know"
                    }
                    _ if keyword.starts_with('$') => "a parameter definition: lvsh substitutes no parameters",
                    _ if keyword.starts_with("~SEQ") || keyword.starts_with("~LST") => {
                        "a sequence or list block: lvsh expands none"
                    }
                    _ if keyword.starts_with("vrrp_") => {
                        "VRRP, which moves addresses between directors: lvsh does not run it"
                    }
                    _ => "not part of the IPVS table",
                };
                let note = self.note(node, why);
                self.items.push(Item::Note(note));
            }
        }
    }

    /// `global_defs`: `lvs_timeouts` are the timeouts; the rest is keepalived's own.
    fn global_defs(&mut self, node: &Node) {
        let mut others = Vec::new();
        let mut items = Vec::new();
        for child in node.children() {
            match child.keyword.value.as_str() {
                "lvs_timeouts" => match timeouts(child) {
                    Ok(t) => items.push(Item::Timeouts(t)),
                    Err(d) => self.errors.push(*d),
                },
                "lvs_sync_daemon" => {
                    let why = "keepalived runs the sync daemon of a VRRP instance's state; `daemon start` in a `lvsh run` script starts one";
                    items.push(Item::Note(self.note(child, why)));
                }
                _ => others.push(flat(child)),
            }
        }
        if !others.is_empty() {
            self.items.push(Item::Note(format!(
                "line {}: global_defs {{ {} }}: not imported (keepalived's own settings)",
                self.line(node.keyword.span),
                others.join("; ")
            )));
        }
        self.items.extend(items);
    }

    /// `line N: WORDS: not imported (WHY)`, a block shown by its keywords.
    pub(super) fn note(&self, node: &Node, why: &str) -> String {
        self.note_of(node, "", why)
    }

    /// A note about a statement inside another (`of` names that one).
    pub(super) fn note_of(&self, node: &Node, of: &str, why: &str) -> String {
        let start = self.line(node.keyword.span);
        let end = self.source.line_col(node.span().end.saturating_sub(1) as usize).0;
        let lines = match start == end {
            true => format!("line {start}"),
            false => format!("lines {start}-{end}"),
        };
        format!("{lines}: {}{of}: not imported ({why})", flat(node))
    }

    pub(super) fn line(&self, span: Span) -> usize {
        self.source.line_col(span.start as usize).0
    }
}

/// A statement on one line: its words, and its block's statements between `{ }`.
pub(super) fn flat(node: &Node) -> String {
    match &node.block {
        None => node.words(),
        Some(block) => {
            let inner: Vec<String> = block.nodes.iter().map(flat).collect();
            match inner.is_empty() {
                true => format!("{} {{ }}", node.words()),
                false => format!("{} {{ {} }}", node.words(), inner.join("; ")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::text;
    use super::*;

    fn import_text(conf: &str) -> String {
        let source = Source::new("k.conf", conf);
        match import(&source) {
            Ok(items) => text(&items),
            Err(errors) => panic!("{errors:#?}"),
        }
    }

    /// The declarations only, without headings and notes.
    fn declared(conf: &str) -> String {
        import_text(conf).lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect()
    }

    /// The comments only (headings and notes), each without its `# line `.
    fn notes(conf: &str) -> Vec<String> {
        import_text(conf)
            .lines()
            .filter_map(|l| l.strip_prefix("# line ").or_else(|| l.strip_prefix("# lines ")))
            .map(str::to_string)
            .collect()
    }

    /// Each error: its code, message and the text it points at.
    fn errors(conf: &str) -> Vec<(&'static str, String, String)> {
        let errors = import(&Source::new("k.conf", conf)).expect_err("errors");
        errors.into_iter().map(|d| (d.code, d.message, conf[d.primary.span.range()].to_string())).collect()
    }

    fn vs(body: &str) -> String {
        format!("virtual_server 10.0.0.1 80 {{\n{body}\n}}\n")
    }

    #[test]
    fn what_a_virtual_server_leaves_out_takes_keepalived_defaults() {
        // wlc, NAT, weight 1 and, with no protocol, UDP.
        assert_eq!(
            declared(&vs("real_server 10.0.1.1 80 {\n}")),
            "service udp 10.0.0.1:80 wlc {\n    backend 10.0.1.1:80 masq\n}\n"
        );
        assert!(notes(&vs("real_server 10.0.1.1 80 {\n}"))[1]
            .ends_with("no protocol: keepalived makes it UDP (write `protocol TCP` for TCP)"));
    }

    #[test]
    fn scheduler_method_protocol_and_weights_map_to_the_declaration() {
        let conf = vs("lvs_sched wrr\nlvs_method DR\nprotocol tcp\nweight 3\nreal_server 10.0.1.1 80 {\n}\n\
                       real_server 10.0.1.2 80 {\nweight 7\nlvs_method NAT\nuthreshold 9\nlthreshold 2\n}");
        assert_eq!(
            declared(&conf),
            "service tcp 10.0.0.1:80 wrr {\n    backend 10.0.1.1:80 route weight 3\n    backend 10.0.1.2:80 masq weight 7 upper 9 lower 2\n}\n"
        );
        let legacy = vs("lb_algo sed\nlb_kind TUN\nprotocol SCTP\nreal_server 10.0.1.1 80 {\n}");
        assert_eq!(
            declared(&legacy),
            "service sctp 10.0.0.1:80 sed {\n    backend 10.0.1.1:80 tunnel ipip nocsum\n}\n"
        );
    }

    #[test]
    fn a_real_server_takes_the_method_in_force_when_it_is_read_else_the_last() {
        let conf = vs("protocol TCP\nreal_server 10.0.1.1 80 {\n}\nlb_kind DR\nreal_server 10.0.1.2 80 {\n}\nlb_kind TUN");
        assert_eq!(
            declared(&conf),
            "service tcp 10.0.0.1:80 wlc {\n    backend 10.0.1.1:80 tunnel ipip nocsum\n    backend 10.0.1.2:80 route\n}\n"
        );
    }

    #[test]
    fn persistence_granularity_and_engine_map_as_keepalived_gives_them_to_the_kernel() {
        let conf = vs(
            "protocol UDP\npersistence_timeout\npersistence_engine sip\nops\nreal_server 10.0.1.1 80 {\n}",
        );
        assert!(
            declared(&conf).starts_with("service udp 10.0.0.1:80 wlc persistent 360 one-packet pe sip {"),
            "{}",
            declared(&conf)
        );
        let masked = vs("protocol TCP\npersistence_granularity 255.255.0.0\nreal_server 10.0.1.1 80 {\n}");
        assert!(
            declared(&masked).starts_with("service tcp 10.0.0.1:80 wlc persistent 360 netmask 255.255.0.0 {")
        );
        let v6 = "virtual_server 2001:db8::1 80 {\nprotocol TCP\npersistence_timeout 60\npersistence_granularity 48\nreal_server 2001:db8::2 80 {\n}\n}\n";
        assert!(declared(v6).starts_with("service tcp [2001:db8::1]:80 wlc persistent 60 prefix 48 {"));
        let not_persistent = vs("protocol TCP\npersistence_engine sip\nreal_server 10.0.1.1 80 {\n}");
        assert!(declared(&not_persistent).starts_with("service tcp 10.0.0.1:80 wlc {"));
        assert_eq!(
            notes(&not_persistent),
            [
                "1: virtual_server 10.0.0.1 80",
                "3: persistence_engine sip: not imported (keepalived gives it only to persistent services)"
            ]
        );
    }

    #[test]
    fn scheduler_flags_count_only_under_their_scheduler() {
        let sh = vs(
            "protocol TCP\nlvs_sched sh\nsh-port\nsh-fallback\nmh-port\nflag-3\nreal_server 10.0.1.1 80 {\n}",
        );
        assert!(
            declared(&sh).starts_with("service tcp 10.0.0.1:80 sh flags sh-fallback,sh-port,flag-3 {"),
            "{}",
            declared(&sh)
        );
        assert!(notes(&sh)[1]
            .starts_with("6: mh-port: not imported (keepalived sets it only once the scheduler is mh"));
        let mh = vs("protocol TCP\nmh-fallback\nlvs_sched mh\nmh-port\nflag-1\nreal_server 10.0.1.1 80 {\n}");
        assert!(
            declared(&mh).starts_with("service tcp 10.0.0.1:80 mh flags mh-fallback,mh-port {"),
            "{}",
            declared(&mh)
        );
        let plain = vs("protocol TCP\nflag-1\nflag-2\nreal_server 10.0.1.1 80 {\n}");
        assert!(declared(&plain).starts_with("service tcp 10.0.0.1:80 wlc flags flag-1,flag-2 {"));
    }

    #[test]
    fn ports_follow_keepalived_for_each_method_and_kind_of_service() {
        let by_addr = vs("protocol TCP\nreal_server 10.0.1.1 {\n}\nreal_server 10.0.1.2 8080 {\n}\n\
                          real_server 10.0.1.3 8080 {\nlvs_method DR\n}\nreal_server 10.0.1.4 {\nlvs_method TUN\n}");
        assert_eq!(
            declared(&by_addr),
            "service tcp 10.0.0.1:80 wlc {\n    backend 10.0.1.1:80 masq\n    backend 10.0.1.2:8080 masq\n    \
             backend 10.0.1.3:80 route\n    backend 10.0.1.4:80 tunnel ipip nocsum\n}\n"
        );
        let by_mark =
            "virtual_server fwmark 5 {\nreal_server 10.0.1.1 {\n}\nreal_server 10.0.1.2 8080 {\n}\n\
                       real_server 10.0.1.3 8080 {\nlvs_method DR\n}\n}\n";
        assert_eq!(
            declared(by_mark),
            "service fwmark 5 wlc {\n    backend 10.0.1.1:0 masq\n    backend 10.0.1.2:8080 masq\n    backend 10.0.1.3:0 route\n}\n"
        );
        assert!(notes(by_mark)[1].starts_with("6: real_server 10.0.1.3 8080: keepalived clears its port"));
    }

    #[test]
    fn a_port_0_service_becomes_persistent() {
        let conf = "virtual_server 10.0.0.1 {\nprotocol TCP\nreal_server 10.0.1.1 {\n}\n}\n";
        assert!(declared(conf).starts_with("service tcp 10.0.0.1:0 wlc persistent 360 {"));
    }

    #[test]
    fn keepalived_drops_ops_on_tcp_protocol_on_marks_duplicates_and_servers_of_another_family() {
        let conf = vs("protocol TCP\nops\nreal_server 10.0.1.1 80 {\n}\nreal_server 10.0.1.1 80 {\n}\nreal_server 2001:db8::1 80 {\n}");
        assert_eq!(declared(&conf), "service tcp 10.0.0.1:80 wlc {\n    backend 10.0.1.1:80 masq\n}\n");
        let found = notes(&conf);
        assert!(
            found[1].starts_with("8: real_server 2001:db8::1 80: not imported (keepalived skips it"),
            "{found:?}"
        );
        assert!(found[2].starts_with("3: ops: not imported"), "{found:?}");
        assert!(found[3].starts_with("6: real_server 10.0.1.1 80: not imported (a duplicate"), "{found:?}");
        let mark = "virtual_server fwmark 5 {\nprotocol UDP\nreal_server 10.0.1.1 80 {\n}\n}\n";
        assert!(notes(mark)[1].starts_with("2: protocol: not imported"));
        let empty = vs("protocol TCP\nlvs_sched rr");
        assert_eq!(declared(&empty), "");
        assert_eq!(
            notes(&empty)[1],
            "1: virtual_server 10.0.0.1 80: not imported (it has no real_server, so keepalived ignores it)"
        );
    }

    #[test]
    fn a_mark_service_takes_its_family_from_ip_family_or_its_real_servers() {
        let by_keyword =
            "virtual_server fwmark 5 {\nip_family inet6\nlvs_method TUN\nreal_server 10.0.1.1 {\n}\n}\n";
        assert!(declared(by_keyword).starts_with("service fwmark 5 ipv6 wlc {"));
        let by_servers = "virtual_server fwmark 5 {\nreal_server 2001:db8::1 80 {\n}\n}\n";
        assert!(declared(by_servers).starts_with("service fwmark 5 ipv6 wlc {"));
        let mixed_tunnels = "virtual_server fwmark 5 {\nlvs_method TUN\nreal_server 2001:db8::1 {\n}\nreal_server 10.0.1.1 {\n}\n}\n";
        assert!(declared(mixed_tunnels).starts_with("service fwmark 5 wlc {"));
    }

    #[test]
    fn a_group_makes_a_service_for_each_member_with_the_same_real_servers() {
        let conf = "virtual_server_group g {\n10.0.0.1-2 80\nfwmark 9\n2001:db8::1 53\n}\n\
                    virtual_server group g {\nprotocol TCP\nlvs_method TUN\nreal_server 10.0.1.1 80 {\n}\n}\n";
        assert_eq!(
            declared(conf),
            "service tcp 10.0.0.1:80 wlc {\n    backend 10.0.1.1:80 tunnel ipip nocsum\n}\n\
             service tcp 10.0.0.2:80 wlc {\n    backend 10.0.1.1:80 tunnel ipip nocsum\n}\n\
             service fwmark 9 wlc {\n    backend 10.0.1.1:0 tunnel ipip nocsum\n}\n\
             service tcp [2001:db8::1]:53 wlc {\n    backend 10.0.1.1:53 tunnel ipip nocsum\n}\n"
        );
    }

    #[test]
    fn a_group_without_members_makes_no_service() {
        let conf = "virtual_server_group g {\n}\nvirtual_server group g {\nreal_server 10.0.1.1 80 {\n}\n}\n";
        assert_eq!(declared(conf), "");
        assert_eq!(
            notes(conf)[1],
            "3: virtual_server group g: not imported (its group has no members, so keepalived ignores it)"
        );
    }

    #[test]
    fn snmp_name_names_a_single_service_when_it_can() {
        let named = vs("protocol TCP\nsnmp_name web\nreal_server 10.0.1.1 80 {\n}");
        assert!(declared(&named).starts_with("service web tcp 10.0.0.1:80"));
        for bad in ["tcp", "1web", "show"] {
            let conf = vs(&format!("protocol TCP\nsnmp_name {bad}\nreal_server 10.0.1.1 80 {{\n}}"));
            assert!(declared(&conf).starts_with("service tcp 10.0.0.1:80"), "{bad}");
            assert!(notes(&conf)[1].starts_with(&format!("3: snmp_name {bad}: not imported")), "{bad}");
        }
        let twice =
            format!("{}{}", vs("protocol TCP\nsnmp_name web\nreal_server 10.0.1.1 80 {\n}"),
            "virtual_server 10.0.0.2 80 {\nprotocol TCP\nsnmp_name web\nreal_server 10.0.1.1 80 {\n}\n}\n");
        assert!(declared(&twice).contains("service tcp 10.0.0.2:80"), "{}", declared(&twice));
    }

    #[test]
    fn timeouts_come_from_global_defs_and_the_rest_of_it_is_one_note() {
        let conf = "global_defs {\nrouter_id a\nlvs_timeouts tcp 900 udp 0\n}\n";
        assert_eq!(
            import_text(conf),
            "# line 1: global_defs { router_id a }: not imported (keepalived's own settings)\ntimeouts tcp 900\n"
        );
    }

    #[test]
    fn blocks_outside_lvs_are_one_note_each_in_file_order() {
        let conf = "vrrp_instance VI_1 {\nstate MASTER\n}\ninclude other.conf\nstatic_routes {\n}\n";
        assert_eq!(
            notes(conf),
            [
                "1-3: vrrp_instance VI_1 { state MASTER }: not imported (VRRP, which moves addresses between directors: lvsh does not run it)",
                "4: include other.conf: not imported (lvsh follows no include: import that file too)",
                "5-6: static_routes { }: not imported (not part of the IPVS table)",
            ]
        );
    }

    #[test]
    fn each_wrong_value_is_an_error_at_its_word_and_all_are_reported() {
        let conf = "virtual_server 10.0.0.300 80 {\n}\n\
                    virtual_server 10.0.0.1 80 {\nlvs_sched wrrr\n}\n\
                    virtual_server 10.0.0.2 80 {\nlvs_method nat\n}\n\
                    virtual_server group wbe {\n}\n\
                    virtual_server_group web {\n10.0.0.9 80\n}\n";
        assert_eq!(
            errors(conf),
            [
                (BAD_VALUE_CODE, "`10.0.0.300` is not an IP address".to_string(), "10.0.0.300".to_string()),
                (BAD_VALUE_CODE, "keepalived knows no scheduler `wrrr`".to_string(), "wrrr".to_string()),
                (
                    BAD_VALUE_CODE,
                    "`nat` is not a forwarding method keepalived knows".to_string(),
                    "nat".to_string()
                ),
                (UNKNOWN_GROUP, "no `virtual_server_group` is named `wbe`".to_string(), "wbe".to_string()),
            ]
        );
    }

    #[test]
    fn what_the_kernel_would_refuse_is_refused() {
        let thresholds = vs("real_server 10.0.1.1 80 {\nuthreshold 5\nlthreshold 9\n}");
        assert_eq!(
            errors(&thresholds)[0].1,
            "lthreshold 9 is above uthreshold 5: the kernel refuses such a real server"
        );
        let twice = format!(
            "{}{}",
            vs("protocol TCP\nreal_server 10.0.1.1 80 {\n}"),
            vs("protocol TCP\nreal_server 10.0.1.2 80 {\n}")
        );
        assert_eq!(errors(&twice)[0].0, DUPLICATE);
        assert_eq!(errors(&twice)[0].1, "service tcp 10.0.0.1:80 is made twice");
        let groups = "virtual_server_group g {\n10.0.0.1 80\n}\nvirtual_server_group g {\n10.0.0.2 80\n}\n";
        assert_eq!(errors(groups)[0].1, "two groups are named `g`");
        assert_eq!(errors("virtual_server fwmark 0 {\n}\n")[0].1, "`0` is not a firewall mark");
    }

    const BAD_VALUE_CODE: &str = super::super::BAD_VALUE;
}
