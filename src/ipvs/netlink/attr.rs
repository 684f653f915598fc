//! Reading netlink messages and attributes from reply bytes.
//!
//! Written to be total: any byte string, however malformed, gives a value or
//! an error, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ipvs::error::KernelError;

/// `NLMSG_ERROR`
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`
pub const NLMSG_OVERRUN: u16 = 4;
/// `NLM_F_MULTI`: part of a multi-part reply.
pub const NLM_F_MULTI: u16 = 0x2;

const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;

/// One netlink message in a received buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    /// The bytes after the netlink header.
    pub payload: &'a [u8],
}

impl<'a> Frame<'a> {
    /// For `NLMSG_ERROR` and `NLMSG_DONE`: the (positive) errno, 0 for an ack.
    pub fn errno(&self) -> Result<i32, KernelError> {
        let code = match self.payload.get(..4) {
            Some(bytes) => i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            // A DONE without a code ends a dump successfully.
            None if self.kind == NLMSG_DONE => 0,
            None => return Err(malformed("an error message without an error code")),
        };
        Ok(code.checked_neg().unwrap_or(i32::MAX))
    }

    /// For a generic-netlink message: its command and its attribute bytes.
    pub fn genl(&self) -> Result<(u8, &'a [u8]), KernelError> {
        match (self.payload.first(), self.payload.get(GENL_HDRLEN..)) {
            (Some(cmd), Some(attrs)) => Ok((*cmd, attrs)),
            _ => Err(malformed("a generic netlink message shorter than its header")),
        }
    }
}

/// Splits a received buffer into netlink messages.
pub fn frames(buf: &[u8]) -> Result<Vec<Frame<'_>>, KernelError> {
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= NLMSG_HDRLEN {
        let len = u32_at(rest, 0) as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Err(malformed(&format!("a netlink message of length {len} in {} bytes", rest.len())));
        }
        out.push(Frame {
            kind: u16_at(rest, 4),
            flags: u16_at(rest, 6),
            seq: u32_at(rest, 8),
            payload: &rest[NLMSG_HDRLEN..len],
        });
        rest = rest.get(align(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

/// The attributes of one nesting level, indexed by type.
#[derive(Debug, Default)]
pub struct Attrs<'a> {
    slots: Vec<Option<&'a [u8]>>,
}

impl<'a> Attrs<'a> {
    /// Parses a sequence of attributes; the last of a repeated type wins.
    pub fn parse(mut buf: &'a [u8]) -> Result<Attrs<'a>, KernelError> {
        let mut attrs = Attrs::default();
        while buf.len() >= 4 {
            let len = u16_at(buf, 0) as usize;
            // Mask NLA_F_NESTED and NLA_F_NET_BYTEORDER.
            let kind = (u16_at(buf, 2) & 0x3fff) as usize;
            if len < 4 || len > buf.len() {
                return Err(malformed(&format!("an attribute of length {len} in {} bytes", buf.len())));
            }
            if attrs.slots.len() <= kind {
                attrs.slots.resize(kind + 1, None);
            }
            attrs.slots[kind] = Some(&buf[4..len]);
            buf = buf.get(align(len)..).unwrap_or(&[]);
        }
        Ok(attrs)
    }

    /// The raw payload of an attribute.
    pub fn get(&self, kind: impl Into<u16>) -> Option<&'a [u8]> {
        self.slots.get(kind.into() as usize).copied().flatten()
    }

    /// The attributes nested in an attribute.
    pub fn nested(&self, kind: impl Into<u16>) -> Result<Option<Attrs<'a>>, KernelError> {
        self.get(kind).map(Attrs::parse).transpose()
    }

    /// An unsigned integer of 1, 2, 4 or 8 bytes in host order.
    pub fn uint(&self, kind: impl Into<u16>) -> Result<Option<u64>, KernelError> {
        let kind = kind.into();
        self.get(kind).map(|bytes| uint(bytes).ok_or_else(|| bad_len(kind, bytes))).transpose()
    }

    /// An unsigned integer that must fit `T`.
    pub fn num<T: TryFrom<u64>>(&self, kind: impl Into<u16>) -> Result<Option<T>, KernelError> {
        let kind = kind.into();
        match self.uint(kind)? {
            None => Ok(None),
            Some(n) => T::try_from(n)
                .map(Some)
                .map_err(|_| malformed(&format!("attribute {kind} holds {n}, out of range"))),
        }
    }

    /// A 16-bit value in network order (ports).
    pub fn be16(&self, kind: impl Into<u16>) -> Result<Option<u16>, KernelError> {
        let kind = kind.into();
        match self.get(kind) {
            None => Ok(None),
            Some([hi, lo]) => Ok(Some(u16::from_be_bytes([*hi, *lo]))),
            Some(bytes) => Err(bad_len(kind, bytes)),
        }
    }

    /// A NUL-terminated (or not) string.
    pub fn string(&self, kind: impl Into<u16>) -> Result<Option<String>, KernelError> {
        Ok(self.str(kind)?.map(str::to_string))
    }

    /// A NUL-terminated string, borrowed from the message.
    pub fn str(&self, kind: impl Into<u16>) -> Result<Option<&str>, KernelError> {
        let kind = kind.into();
        match self.get(kind) {
            None => Ok(None),
            Some(bytes) => {
                let text = bytes.split(|b| *b == 0).next().unwrap_or(&[]);
                std::str::from_utf8(text)
                    .map(Some)
                    .map_err(|_| malformed(&format!("attribute {kind} is not UTF-8")))
            }
        }
    }

    /// An address of the given family from a `union nf_inet_addr` (up to 16 bytes).
    pub fn addr(&self, kind: impl Into<u16>, v6: bool) -> Result<Option<IpAddr>, KernelError> {
        let kind = kind.into();
        let Some(bytes) = self.get(kind) else { return Ok(None) };
        let addr = if v6 {
            bytes.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()).map(|b| IpAddr::V6(Ipv6Addr::from(b)))
        } else {
            bytes.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(|b| IpAddr::V4(Ipv4Addr::from(b)))
        };
        addr.map(Some).ok_or_else(|| bad_len(kind, bytes))
    }
}

fn uint(bytes: &[u8]) -> Option<u64> {
    Some(match bytes.len() {
        1 => u64::from(bytes[0]),
        2 => u64::from(u16::from_ne_bytes(bytes.try_into().ok()?)),
        4 => u64::from(u32::from_ne_bytes(bytes.try_into().ok()?)),
        8 => u64::from_ne_bytes(bytes.try_into().ok()?),
        _ => return None,
    })
}

fn align(len: usize) -> usize {
    len.saturating_add(3) & !3
}

fn u16_at(buf: &[u8], at: usize) -> u16 {
    match buf.get(at..at + 2) {
        Some(b) => u16::from_ne_bytes([b[0], b[1]]),
        None => 0,
    }
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    match buf.get(at..at + 4) {
        Some(b) => u32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

fn bad_len(kind: u16, bytes: &[u8]) -> KernelError {
    malformed(&format!("attribute {kind} has an unexpected length {}", bytes.len()))
}

/// A [`KernelError::Malformed`].
pub fn malformed(what: &str) -> KernelError {
    KernelError::Malformed { what: what.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_attributes_and_masks_the_nested_flag() {
        // len 8, type 1|NLA_F_NESTED, payload 4 bytes; len 6, type 2, payload 2 bytes + pad
        let buf = [8, 0, 1, 0x80, 1, 2, 3, 4, 6, 0, 2, 0, 0, 80, 0, 0];
        let attrs = Attrs::parse(&buf).unwrap();
        assert_eq!(attrs.get(1u16), Some(&[1, 2, 3, 4][..]));
        assert_eq!(attrs.be16(2u16).unwrap(), Some(80));
        assert_eq!(attrs.get(3u16), None);
    }

    #[test]
    fn an_attribute_longer_than_its_buffer_is_malformed() {
        assert!(Attrs::parse(&[200, 0, 1, 0, 1, 2]).is_err());
        assert!(Attrs::parse(&[2, 0, 1, 0]).is_err());
    }

    #[test]
    fn a_truncated_message_is_malformed() {
        let mut msg = vec![40, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
        msg.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff]);
        assert!(frames(&msg).is_err());
        msg[0] = 20;
        let frames = frames(&msg).unwrap();
        assert_eq!(frames[0].seq, 7);
        assert_eq!(frames[0].errno().unwrap(), 2);
    }

    proptest! {
        #[test]
        fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(frames) = frames(&bytes) {
                for frame in frames {
                    let _ = frame.errno();
                    if let Ok((_, attrs)) = frame.genl() {
                        if let Ok(attrs) = Attrs::parse(attrs) {
                            for kind in 0..20u16 {
                                let _ = attrs.uint(kind);
                                let _ = attrs.string(kind);
                                let _ = attrs.addr(kind, kind % 2 == 0);
                                let _ = attrs.nested(kind);
                            }
                        }
                    }
                }
            }
        }
    }
}
