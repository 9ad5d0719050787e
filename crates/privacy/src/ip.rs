//! Prefix-preserving pseudonymisation of IP addresses.
//!
//! The construction follows the idea of Crypto-PAn: bit *i* of the output is
//! bit *i* of the input XOR a keyed pseudo-random function of the input's
//! first *i* bits. Two addresses that share their first *n* bits therefore
//! get the same first *n* output bits (the same pads flip them alike), and
//! differ at bit *n + 1* (same pad, different input bit). So a /24 maps onto
//! one /24 and subnets still correlate, while the mapping is a keyed
//! bijection nobody without the key can invert. Our PRF is HMAC-SHA-256 under
//! the pseudonymisation key with its own domain tag, not AES as in the paper.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::token::Tokeniser;

const FAMILY_V4: u8 = 4;
const FAMILY_V6: u8 = 6;

impl Tokeniser {
    /// A prefix-preserving pseudonym of an IPv4 address: addresses sharing
    /// their first n bits get pseudonyms sharing their first n bits.
    pub fn ipv4(&self, addr: Ipv4Addr) -> Ipv4Addr {
        let input = u32::from(addr);
        let mut output = 0u32;
        for bit in 0..32u8 {
            // The input with every bit from `bit` on cleared.
            let prefix = if bit == 0 { 0 } else { input & (u32::MAX << (32 - bit)) };
            let pad = self.ip_pad_bit(FAMILY_V4, bit, &prefix.to_be_bytes());
            let input_bit = (input >> (31 - bit)) & 1 == 1;
            if input_bit ^ pad {
                output |= 1 << (31 - bit);
            }
        }
        Ipv4Addr::from(output)
    }

    /// A prefix-preserving pseudonym of an IPv6 address, as [`Tokeniser::ipv4`].
    pub fn ipv6(&self, addr: Ipv6Addr) -> Ipv6Addr {
        let input = u128::from(addr);
        let mut output = 0u128;
        for bit in 0..128u8 {
            let prefix = if bit == 0 { 0 } else { input & (u128::MAX << (128 - bit)) };
            let pad = self.ip_pad_bit(FAMILY_V6, bit, &prefix.to_be_bytes());
            let input_bit = (input >> (127 - bit)) & 1 == 1;
            if input_bit ^ pad {
                output |= 1 << (127 - bit);
            }
        }
        Ipv6Addr::from(output)
    }

    /// Pseudonymises one address, keeping its family. Loopback and
    /// unspecified addresses stay as they are: they name no workstation, and
    /// rules test for them (`IpAddress: '::1'` marks a local logon).
    pub fn ip(&self, addr: IpAddr) -> IpAddr {
        if addr.is_loopback() || addr.is_unspecified() {
            return addr;
        }
        match addr {
            IpAddr::V4(v4) => IpAddr::V4(self.ipv4(v4)),
            IpAddr::V6(v6) => IpAddr::V6(self.ipv6(v6)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn tok() -> Tokeniser {
        Tokeniser::new(&SecretKey::from_bytes([7; 32]))
    }

    #[test]
    fn same_subnet_maps_to_same_subnet() {
        let t = tok();
        let a = t.ipv4("10.20.30.40".parse().unwrap()).octets();
        let b = t.ipv4("10.20.30.41".parse().unwrap()).octets();
        let c = t.ipv4("10.20.31.40".parse().unwrap()).octets();
        assert_eq!(a[..3], b[..3]);
        assert_ne!(a[3], b[3]);
        assert_eq!(a[..2], c[..2]);
        assert_ne!(a[2], c[2]);
    }

    #[test]
    fn mapping_is_keyed_and_deterministic() {
        let addr: Ipv4Addr = "192.168.1.10".parse().unwrap();
        assert_eq!(tok().ipv4(addr), tok().ipv4(addr));
        assert_ne!(tok().ipv4(addr), addr);
        let other = Tokeniser::new(&SecretKey::from_bytes([8; 32]));
        assert_ne!(tok().ipv4(addr), other.ipv4(addr));
    }

    #[test]
    fn loopback_and_unspecified_pass_through() {
        for raw in ["127.0.0.1", "::1", "0.0.0.0", "::"] {
            let addr: IpAddr = raw.parse().unwrap();
            assert_eq!(tok().ip(addr), addr);
        }
        let v6: IpAddr = "fe80::1".parse().unwrap();
        assert!(tok().ip(v6).is_ipv6());
        assert_ne!(tok().ip(v6), v6);
    }
}
