//! Whole listings from the kernel's dumps (pure: no socket): each entry
//! once, and the services a dump skipped (see the client's module doc for
//! why a dump repeats or skips entries).

use std::hash::Hash;

use crate::ipvs::fasthash::FastSet;
use crate::ipvs::model::{ServiceEntry, ServiceKey};

/// `items` with each key once, at its first place. A dump repeats an entry
/// when the table grew in front of where its next message resumes; the
/// first copy is the one read in order with the rest.
pub fn each_once<T, K: Hash + Eq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = FastSet::with_capacity_and_hasher(items.len(), Default::default());
    items.into_iter().filter(|item| seen.insert(key(item))).collect()
}

/// The keys of `snapshot` that `listed` lacks, in the snapshot's order.
pub fn skipped(listed: &[ServiceEntry], snapshot: &[ServiceKey]) -> Vec<ServiceKey> {
    let listed: FastSet<&ServiceKey> = listed.iter().map(|entry| &entry.service.key).collect();
    snapshot.iter().filter(|key| !listed.contains(key)).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::{Service, Stats};

    fn entry(addr: &str, scheduler: &str) -> ServiceEntry {
        let service = Service::new(ServiceKey::tcp(addr.parse().unwrap())).with_scheduler(scheduler);
        ServiceEntry { service, stats: Stats::default() }
    }

    fn addrs(entries: &[ServiceEntry]) -> Vec<String> {
        entries.iter().map(|e| e.service.key.to_string()).collect()
    }

    #[test]
    fn a_repeated_entry_is_kept_once_at_its_first_place() {
        let dump = vec![entry("10.0.0.1:80", "rr"), entry("10.0.0.2:80", "rr"), entry("10.0.0.1:80", "wlc")];
        let once = each_once(dump, |e| e.service.key);
        assert_eq!(addrs(&once), ["tcp 10.0.0.1:80", "tcp 10.0.0.2:80"]);
        assert_eq!(once[0].service.scheduler.name(), "rr");
    }

    #[test]
    fn distinct_entries_keep_their_order() {
        let dump = vec![entry("10.0.0.3:80", "rr"), entry("10.0.0.1:80", "rr"), entry("10.0.0.2:80", "rr")];
        assert_eq!(
            addrs(&each_once(dump, |e| e.service.key)),
            ["tcp 10.0.0.3:80", "tcp 10.0.0.1:80", "tcp 10.0.0.2:80"]
        );
    }

    #[test]
    fn skipped_names_what_the_snapshot_has_and_the_listing_lacks() {
        let listed = vec![entry("10.0.0.1:80", "rr")];
        let snapshot: Vec<ServiceKey> = ["10.0.0.2:80", "10.0.0.1:80", "10.0.0.3:80"]
            .iter()
            .map(|a| ServiceKey::tcp(a.parse().unwrap()))
            .collect();
        let want: Vec<ServiceKey> = vec![snapshot[0], snapshot[2]];
        assert_eq!(skipped(&listed, &snapshot), want);
    }

    #[test]
    fn nothing_is_skipped_when_the_listing_has_all_and_more() {
        let listed = vec![entry("10.0.0.1:80", "rr"), entry("10.0.0.9:80", "rr")];
        assert!(skipped(&listed, &[ServiceKey::tcp("10.0.0.1:80".parse().unwrap())]).is_empty());
    }
}
