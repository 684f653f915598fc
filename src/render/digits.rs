//! Numbers and IPv4 addresses appended to a `String` without `core::fmt`:
//! a listing or a run's crash record writes tens of thousands of them, and
//! the formatting machinery (with padding, through a temporary buffer) was
//! a visible share of both. The text is exactly `Display`'s.

use std::net::{Ipv4Addr, SocketAddrV4};

/// Appends `n` in decimal.
pub fn push_u64(out: &mut String, mut n: u64) {
    if n < 10 {
        // Most octets of most addresses, and many counters.
        out.push(char::from(b'0' + n as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // A character at a time: most numbers are a few digits, and a copy of
    // a few bytes cost more through `push_str` and its UTF-8 check.
    out.reserve(buf.len() - at);
    for &digit in &buf[at..] {
        out.push(char::from(digit));
    }
}

/// Appends `n` in decimal, with a `-` when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends `a.b.c.d`.
pub fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u64(out, u64::from(octet));
    }
}

/// Appends `a.b.c.d:port`.
pub fn push_v4_port(out: &mut String, addr: &SocketAddrV4) {
    push_ipv4(out, *addr.ip());
    out.push(':');
    push_u64(out, u64::from(addr.port()));
}

/// Pads what was appended since `start` with blanks to `width` characters
/// (ASCII text), as `{:<width}` does.
pub fn pad_from(out: &mut String, start: usize, width: usize) {
    let written = out.len() - start;
    for _ in written..width {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_and_addresses_read_as_display_writes_them(
            n in any::<u64>(), i in any::<i64>(), ip in any::<u32>(), port in any::<u16>(), width in 0usize..30
        ) {
            let mut out = String::new();
            push_u64(&mut out, n);
            prop_assert_eq!(&out, &n.to_string());
            out.clear();
            push_i64(&mut out, i);
            prop_assert_eq!(&out, &i.to_string());
            out.clear();
            let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
            out.push('>');
            push_v4_port(&mut out, &addr);
            pad_from(&mut out, 1, width);
            prop_assert_eq!(out, format!(">{:<width$}", addr.to_string()));
        }
    }

    #[test]
    fn the_extremes() {
        let mut out = String::new();
        push_u64(&mut out, 0);
        push_i64(&mut out, i64::MIN);
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, format!("0{}{}", i64::MIN, u64::MAX));
    }
}
