//! The prompt: where lvsh acts and how big the table is, e.g.
//! `lvsh gw [1 svc]> ` for namespace `gw`, `lvsh [3 svc]> ` for lvsh's own
//! namespace, `lvsh [no ipvs]> ` when the kernel cannot be read; a block
//! continues after `...> `, aligned under the prompt's end.

use colored::Colorize;

use super::catalog::Catalog;

/// The prompt as plain text and as styled text (same width).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub raw: String,
    pub styled: String,
}

/// The prompt for a new statement.
pub fn prompt(place: Option<&str>, catalog: &Catalog) -> Prompt {
    let place = place.map_or(String::new(), |p| format!(" {p}"));
    let state = match (&catalog.error, catalog.loaded) {
        (Some(_), _) => "no ipvs".to_string(),
        (None, false) => "...".to_string(),
        (None, true) => format!("{} svc", catalog.services.len()),
    };
    let raw = format!("lvsh{place} [{state}]> ");
    let styled = format!("{}{} {}> ", "lvsh".bold(), place.cyan(), format!("[{state}]").dimmed());
    Prompt { raw, styled }
}

/// The prompt of a block's next line, as wide as `first`.
pub fn continuation(first: &Prompt) -> Prompt {
    let raw = format!("{:>width$}", "...> ", width = first.raw.chars().count());
    Prompt { styled: raw.dimmed().to_string(), raw }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{KernelError, ServiceKey};

    #[test]
    fn the_prompt_names_the_namespace_and_counts_the_services() {
        let one = Catalog::new(vec![(ServiceKey::tcp("1.2.3.4:80".parse().unwrap()), vec![])], vec![]);
        assert_eq!(prompt(Some("gw"), &one).raw, "lvsh gw [1 svc]> ");
        assert_eq!(prompt(None, &one).raw, "lvsh [1 svc]> ");
        let none = Catalog::unavailable(&KernelError::IpvsMissing, vec![]);
        assert_eq!(prompt(None, &none).raw, "lvsh [no ipvs]> ");
        assert_eq!(continuation(&prompt(None, &one)).raw, "         ...> ");
    }
}
