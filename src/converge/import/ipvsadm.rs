//! An ipvsadm file (what `ipvsadm -S` prints, or any `ipvsadm -R` input)
//! as declarations: its lines are read as `ipvsadm -R` reads them
//! ([`read_restore`], so a bad line is refused at file:line:col with
//! ipvsadm's own message), played on a table in memory, and the table that
//! results is declared. Unlike `ipvsadm -R`, a `#` comment line is skipped.

use super::simulate::Table;
use super::Item;
use crate::converge::declare::service_decl;
use crate::ipvs::Backend;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::ipvsadm::{read_restore, IpvsadmCommand};
use crate::lang::source::Source;

/// The diagnostic code of a line that cannot apply to the table the lines before it made.
pub const CANNOT_APPLY: &str = "lvs::import::cannot-apply";

/// The declarations of the table the file's lines build, and a note for
/// each line that is no part of a table (daemons, zeroing counters).
pub fn import(source: &Source) -> Result<Vec<Item>, Box<Diagnostic>> {
    // Comment lines become blanks, so that every place stays where it was.
    let text: String = source
        .text
        .split_inclusive('\n')
        .map(|line| match line.trim_start().starts_with('#') {
            true => line.replace(|c: char| c != '\n', " "),
            false => line.to_string(),
        })
        .collect();
    let lines = read_restore(&Source::new(source.name.clone(), text))?;
    let mut table = Table::default();
    let mut notes = Vec::new();
    for line in lines {
        let (number, _) = source.line_col(line.span.start as usize);
        let written = &source.text[line.span.range()];
        match &line.command {
            IpvsadmCommand::StartDaemon(_) | IpvsadmCommand::StopDaemon(_) => notes.push(format!(
                "line {number}: {written}: not imported (sync daemons are not declarations: start one with `daemon start` in a `lvsh run` script)"
            )),
            IpvsadmCommand::Zero(_) => {
                notes.push(format!("line {number}: {written}: not imported (zeroing counters declares nothing)"))
            }
            _ => {}
        }
        let Some(op) = line.command.into_op() else { continue };
        table.apply(op).map_err(|why| {
            Box::new(
                Diagnostic::error(CANNOT_APPLY, why, line.span, "`ipvsadm -R` would stop at this line")
                    .with_help(
                        "the lines before this one must make what it changes; fix the order, or delete it",
                    ),
            )
        })?;
    }
    let mut items = Vec::new();
    let t = table.timeouts;
    if t.tcp.is_some() || t.tcp_fin.is_some() || t.udp.is_some() {
        items.push(Item::Timeouts(t));
    }
    for service in &table.live.services {
        // Declared oldest first, the order `apply` adds them in again.
        let backends: Vec<&Backend> = service.backends.iter().rev().map(|b| &b.backend).collect();
        items.push(Item::Service(service_decl(service.service(), None, &backends)));
    }
    items.extend(notes.into_iter().map(Item::Note));
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::super::text;
    use super::*;

    fn import_text(rules: &str) -> Result<String, Box<Diagnostic>> {
        import(&Source::new("rules", rules)).map(|items| text(&items))
    }

    #[test]
    fn a_save_becomes_its_services_with_their_backends_in_the_order_added() {
        let save =
            "# saved by ipvsadm -S -n\n-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n\
                    -a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0\n-A -f 7 -s wlc -p 60\n--set 900 0 300\n";
        assert_eq!(
            import_text(save).unwrap(),
            "timeouts tcp 900 udp 300
service tcp 10.0.0.1:80 rr {
    backend 10.0.1.1:80 masq
    backend 10.0.1.2:80 route weight 0
}
service fwmark 7 wlc persistent 60
"
        );
    }

    #[test]
    fn later_lines_change_what_earlier_ones_made() {
        let rules =
            "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m\n-E -t 10.0.0.1:80 -s wrr\n\
                     -e -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 4\n-A -t 10.0.0.2:80\n-D -t 10.0.0.2:80\n";
        assert_eq!(
            import_text(rules).unwrap(),
            "service tcp 10.0.0.1:80 wrr {\n    backend 10.0.1.1:80 masq weight 4\n}\n"
        );
    }

    #[test]
    fn daemons_and_zeroing_become_notes() {
        let rules = "-A -u 10.0.0.1:53 -s rr\n--start-daemon master --mcast-interface eth0\n-Z\n";
        assert_eq!(
            import_text(rules).unwrap(),
            "service udp 10.0.0.1:53 rr
# line 2: --start-daemon master --mcast-interface eth0: not imported (sync daemons are not declarations: start one with `daemon start` in a `lvsh run` script)
# line 3: -Z: not imported (zeroing counters declares nothing)
"
        );
    }

    #[test]
    fn a_line_that_cannot_apply_is_refused_at_its_place() {
        let rules = "-A -t 10.0.0.1:80\n-a -t 10.0.0.9:80 -r 10.0.1.1:80\n";
        let d = import_text(rules).unwrap_err();
        assert_eq!(
            (d.code, d.message.as_str()),
            (CANNOT_APPLY, "no service tcp 10.0.0.9:80: no line before this one adds it")
        );
        assert_eq!(&rules[d.primary.span.range()], "-a -t 10.0.0.9:80 -r 10.0.1.1:80");
    }

    #[test]
    fn a_line_ipvsadm_refuses_is_refused_with_its_message() {
        let d = import_text("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -z\n").unwrap_err();
        assert_eq!((d.code, d.message.as_str()), ("lvs::restore::invalid", "-z: unknown option"));
    }
}
