//! Hash maps and sets for the tables lvsh builds of services and backends
//! (a listing, a plan, a run's staged table): keyed by addresses and ports,
//! thousands of entries, each looked up a few times. The standard library's
//! SipHash resists keys chosen to collide, which none of these need (the
//! keys come from the kernel or the user's own files), and was a third of
//! the instructions of planning a table of 5,000 services. This is the
//! multiply-rotate hash rustc uses for its own tables (FxHash).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FastHasher>>;

/// FxHash: each word rotated into the state, then multiplied by a constant.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::ipvs::ServiceKey;

    #[test]
    fn distinct_keys_stay_distinct_and_equal_ones_meet() {
        let mut map: FastMap<ServiceKey, usize> = FastMap::default();
        let mut set: FastSet<(ServiceKey, SocketAddr)> = FastSet::default();
        for n in 0..20_000u32 {
            let [_, b, c, d] = n.to_be_bytes();
            let addr: SocketAddr = format!("10.{b}.{c}.{d}:80").parse().unwrap();
            let key = ServiceKey::tcp(addr);
            assert_eq!(map.insert(key, n as usize), None);
            assert!(set.insert((key, addr)));
        }
        assert_eq!((map.len(), set.len()), (20_000, 20_000));
        assert_eq!(map.get(&ServiceKey::tcp("10.0.1.2:80".parse().unwrap())), Some(&258));
        assert!(
            !set.insert((ServiceKey::tcp("10.0.0.7:80".parse().unwrap()), "10.0.0.7:80".parse().unwrap()))
        );
    }
}
