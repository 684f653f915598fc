//! Names as ipvsadm 1.31 looks them up: through the C library, so through
//! `/etc/nsswitch.conf` (`/etc/hosts`, `/etc/services`, DNS), with the
//! calls ipvsadm makes: `gethostbyname` (IPv4 only: an IPv6 service or
//! server is written as an address), `getservbyname`, and for listings
//! `gethostbyaddr` (IPv6 addresses get names too) and `getservbyport`.
//!
//! The calls use the C library's static result buffers: the drop-in runs
//! on one thread, and each result is copied out before the next call.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::net::{IpAddr, Ipv4Addr};

use crate::ipvs::Protocol;
use crate::lang::ipvsadm::Lookup;
use crate::render::ipvsadm::Naming;

extern "C" {
    // In glibc and musl, not in the libc crate.
    fn gethostbyname(name: *const c_char) -> *mut libc::hostent;
    fn gethostbyaddr(addr: *const c_void, len: libc::socklen_t, kind: c_int) -> *mut libc::hostent;
}

/// The C library's names.
#[derive(Debug, Clone, Copy, Default)]
pub struct CLibrary;

/// The protocol name `getservbyname` and `getservbyport` take.
fn protocol_name(protocol: Protocol) -> Option<&'static CStr> {
    match protocol {
        Protocol::Tcp => Some(c"tcp"),
        Protocol::Udp => Some(c"udp"),
        Protocol::Sctp => Some(c"sctp"),
        Protocol::Other(_) => None,
    }
}

impl Lookup for CLibrary {
    /// ipvsadm's `host_to_addr`: `gethostbyname`, IPv4 answers only, the first address.
    fn host(&self, name: &str) -> Option<Ipv4Addr> {
        let name = CString::new(name).ok()?;
        // SAFETY: `name` is a NUL-terminated string that outlives the call;
        // the result, when not null, points at the C library's hostent,
        // valid until the next lookup, and is read before any other.
        unsafe {
            let host = gethostbyname(name.as_ptr());
            if host.is_null() || (*host).h_addrtype != libc::AF_INET || (*host).h_length != 4 {
                return None;
            }
            let first = *(*host).h_addr_list;
            if first.is_null() {
                return None;
            }
            let octets = std::slice::from_raw_parts(first as *const u8, 4);
            Some(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))
        }
    }

    /// ipvsadm's `service_to_port`: `getservbyname` in the protocol's name.
    fn port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        let name = CString::new(name).ok()?;
        let proto = protocol_name(protocol)?;
        // SAFETY: both strings are NUL-terminated and outlive the call; the
        // servent, when not null, is read before any other lookup.
        unsafe {
            let service = libc::getservbyname(name.as_ptr(), proto.as_ptr());
            (!service.is_null()).then(|| u16::from_be((*service).s_port as u16))
        }
    }
}

impl Naming for CLibrary {
    /// ipvsadm's `addr_to_host`: `gethostbyaddr` of the address.
    fn host(&self, addr: IpAddr) -> Option<String> {
        let (bytes, family) = match addr {
            IpAddr::V4(v4) => (v4.octets().to_vec(), libc::AF_INET),
            IpAddr::V6(v6) => (v6.octets().to_vec(), libc::AF_INET6),
        };
        let len = bytes.len() as libc::socklen_t;
        // SAFETY: the call reads `len` bytes of `bytes`; the hostent, when
        // not null, is copied out at once.
        unsafe {
            let host = gethostbyaddr(bytes.as_ptr() as *const c_void, len, family);
            if host.is_null() || (*host).h_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*host).h_name).to_string_lossy().into_owned())
        }
    }

    /// ipvsadm's `port_to_service`: `getservbyport` in the protocol's name.
    fn service(&self, port: u16, protocol: Protocol) -> Option<String> {
        let proto = protocol_name(protocol)?;
        // SAFETY: the protocol name is NUL-terminated; the servent, when not
        // null, is copied out at once.
        unsafe {
            let service = libc::getservbyport(c_int::from(port.to_be()), proto.as_ptr());
            if service.is_null() || (*service).s_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*service).s_name).to_string_lossy().into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Only lookups that never reach a network: these run on the host.
    #[test]
    fn names_the_c_library_cannot_take_are_not_looked_up() {
        assert_eq!(Lookup::host(&CLibrary, "web\0x"), None, "a NUL never reaches C");
        assert_eq!(Lookup::port(&CLibrary, "http", Protocol::Other(47)), None);
        assert_eq!(Naming::service(&CLibrary, 80, Protocol::Other(47)), None);
    }
}
