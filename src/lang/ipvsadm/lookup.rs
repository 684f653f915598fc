//! Host and service names in an ipvsadm line. ipvsadm asks the C library
//! (`gethostbyname`, `getservbyname`: `/etc/hosts`, `/etc/services`, DNS)
//! wherever a word is not a number; the parser asks a [`Lookup`] instead,
//! so that it stays pure. lvsh's own lines give [`NoLookup`], which knows
//! no name: a line then means the same on every machine. The drop-in
//! `ipvsadm` (`src/app/ipvsadm/`) gives the C library's.

use std::net::Ipv4Addr;

use crate::ipvs::model::Protocol;

/// Where names are looked up.
pub trait Lookup {
    /// The first IPv4 address of a host name, as `gethostbyname` gives it.
    fn host(&self, name: &str) -> Option<Ipv4Addr>;
    /// The port of a service name for `protocol`, as `getservbyname` gives it.
    fn port(&self, name: &str, protocol: Protocol) -> Option<u16>;
}

/// Knows no name at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLookup;

impl Lookup for NoLookup {
    fn host(&self, _name: &str) -> Option<Ipv4Addr> {
        None
    }

    fn port(&self, _name: &str, _protocol: Protocol) -> Option<u16> {
        None
    }
}
