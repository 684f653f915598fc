//! The names that stand next to addresses in what lvsh prints: in the lab,
//! each node's addresses carry its name (`10.10.0.2:8000 (int1)`). Outside
//! the lab the book is empty, because an operator's 10.10.0.2 is not int1.

use std::net::{IpAddr, SocketAddr};

/// Addresses and the names people know them by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(Vec<(IpAddr, String)>);

impl Names {
    pub fn new(pairs: impl IntoIterator<Item = (IpAddr, String)>) -> Names {
        Names(pairs.into_iter().collect())
    }

    /// The name of `ip`, if it has one.
    pub fn of(&self, ip: IpAddr) -> Option<&str> {
        self.0.iter().find(|(a, _)| *a == ip).map(|(_, name)| name.as_str())
    }

    /// An address with its name after it: `10.10.0.2 (int1)`.
    pub fn ip(&self, ip: IpAddr) -> String {
        match self.of(ip) {
            Some(name) => format!("{ip} ({name})"),
            None => ip.to_string(),
        }
    }

    /// An address and port with its name after it: `10.10.0.2:8000 (int1)`.
    pub fn addr(&self, addr: SocketAddr) -> String {
        match self.of(addr.ip()) {
            Some(name) => format!("{addr} ({name})"),
            None => addr.to_string(),
        }
    }

    /// A hop of a path, the name first: `int1 10.10.0.2:8000`.
    pub fn hop(&self, addr: SocketAddr) -> String {
        match self.of(addr.ip()) {
            Some(name) => format!("{name} {addr}"),
            None => addr.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_addresses_carry_their_name_and_others_stand_alone() {
        let names = Names::new([("10.10.0.2".parse().unwrap(), "int1".to_string())]);
        let int1: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let other: SocketAddr = "10.10.0.9:8000".parse().unwrap();
        assert_eq!(names.addr(int1), "10.10.0.2:8000 (int1)");
        assert_eq!(names.hop(int1), "int1 10.10.0.2:8000");
        assert_eq!(names.ip(int1.ip()), "10.10.0.2 (int1)");
        assert_eq!(names.addr(other), "10.10.0.9:8000");
        assert_eq!(Names::default().hop(int1), "10.10.0.2:8000");
    }
}
