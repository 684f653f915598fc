//! One line on every word the shell may offer next: a command's summary,
//! an option's help from its table, a value's meaning from the
//! placeholders, and, for the few keywords that are neither (`show
//! connections`, `lab up`), the table below. `?` and the error on an
//! ambiguous prefix print them.

use super::command::{self, COMMAND_HELP};

/// The keywords that are no command and no option of a table: what each means.
pub const OTHER_WORDS: &[(&str, &str)] = &[
    ("service", "a virtual service"),
    ("backend", "a backend (real server) of a service"),
    ("connections", "the connection table, as `ipvsadm -L -n -c`"),
    ("timeouts", "the tcp, tcpfin and udp timeouts"),
    ("daemons", "the connection synchronisation daemons"),
    ("tcp", "a TCP service by its VIP (or a TCP connect check)"),
    ("udp", "a UDP service by its VIP (or a UDP check)"),
    ("sctp", "an SCTP service by its VIP"),
    ("fwmark", "a service by its firewall mark"),
    ("ipv6", "the IPv6 service of that mark"),
    ("start", "start a synchronisation daemon"),
    ("stop", "stop a synchronisation daemon"),
    ("master", "the daemon that sends the connections"),
    ("backup", "the daemon that receives them"),
    ("up", "build the lab (`lab up ha`: with gw2)"),
    ("down", "remove every namespace, link and bridge of the lab"),
    ("status", "the lab's nodes, addresses and what runs where"),
    ("failover", "stop gw's keepalived: gw2 takes the addresses"),
    ("backends", "set the lab's backends up for a forwarding method"),
    ("masq", "NAT: replies return through the director"),
    ("route", "direct routing: the VIP on each backend's lo"),
    ("tunnel", "IP-in-IP: the VIP on each backend's tunl0"),
    ("job", "a background job's output"),
    ("prints", "the text the job's output must show"),
    ("within", "how long to wait for it"),
    ("http", "an HTTP request that must answer in a status range"),
    ("exec", "a command on the director that must exit 0"),
    ("rhai", "lvsh's Rhai functions"),
    ("even", "every backend served about as often as the others"),
    ("{", "open a block of the service's backends"),
    ("}", "close the block"),
];

/// One line on a keyword that may follow `command`'s words, if lvsh has one.
pub fn keyword(command: &str, word: &str) -> Option<&'static str> {
    let tables = command::option_tables();
    let own = tables.iter().filter(|t| t.sample.split_whitespace().next() == Some(command));
    let others = tables.iter().filter(|t| t.sample.split_whitespace().next() != Some(command));
    let help = |mut tables: Box<dyn Iterator<Item = &'static command::OptionFragment>>| {
        tables.find_map(|t| t.options.iter().find(|o| o.word == word)).map(|o| o.help)
    };
    // Its own options first, then the words of this table, then another
    // statement's option of that name.
    help(Box::new(own))
        .or_else(|| OTHER_WORDS.iter().find(|(w, _)| *w == word).map(|(_, line)| *line))
        .or_else(|| help(Box::new(others)))
        .or_else(|| command_summary(word))
}

/// A command's one line, by its name or an alias.
pub fn command_summary(word: &str) -> Option<&'static str> {
    command::find(word).map(|c| c.summary)
}

/// Every command, each with its one line, in `help`'s order.
pub fn commands() -> impl Iterator<Item = (&'static str, &'static str)> {
    COMMAND_HELP.iter().map(|c| (c.name, c.summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::shape::{walk, Atom};

    #[test]
    fn options_commands_and_subcommand_words_have_a_line() {
        assert_eq!(keyword("show", "connections"), Some("the connection table, as `ipvsadm -L -n -c`"));
        assert!(keyword("probe", "count").is_some_and(|h| !h.is_empty()));
        assert_eq!(keyword("help", "show"), command_summary("show"));
        assert_eq!(keyword("probe", "nosuch"), None);
    }

    /// Every keyword any statement's shape offers after its first word has its line.
    #[test]
    fn every_offered_keyword_is_described() {
        let mut missing = Vec::new();
        for c in COMMAND_HELP {
            let mut words = vec![c.name.to_string()];
            for part in c.example.split_whitespace().skip(1).chain(std::iter::once("")) {
                for e in walk(&words, |_| false).expected {
                    if let Atom::Word { text, offered: true } = e.atom {
                        if keyword(c.name, text).is_none() {
                            missing.push(format!("{}: {text}", c.name));
                        }
                    }
                }
                words.push(part.to_string());
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "no line for {missing:?}");
    }
}
