//! Prefix preservation, for any pair of addresses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use safecare_privacy::{SecretKey, Tokeniser};

fn tokeniser(key: [u8; 32]) -> Tokeniser {
    Tokeniser::new(&SecretKey::from_bytes(key))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ipv4_common_prefix_is_preserved(key in any::<[u8; 32]>(), a in any::<u32>(), b in any::<u32>()) {
        let t = tokeniser(key);
        let (ta, tb) = (u32::from(t.ipv4(Ipv4Addr::from(a))), u32::from(t.ipv4(Ipv4Addr::from(b))));
        prop_assert_eq!((ta ^ tb).leading_zeros(), (a ^ b).leading_zeros());
    }

    #[test]
    fn ipv6_common_prefix_is_preserved(key in any::<[u8; 32]>(), a in any::<u128>(), flip in 0u32..128) {
        // Pairs sharing a random-length prefix, not just the ~1-bit prefixes
        // two independent random addresses share.
        let b = a ^ (u128::MAX >> flip);
        let t = tokeniser(key);
        let (ta, tb) = (u128::from(t.ipv6(Ipv6Addr::from(a))), u128::from(t.ipv6(Ipv6Addr::from(b))));
        prop_assert_eq!((ta ^ tb).leading_zeros(), (a ^ b).leading_zeros());
    }

    #[test]
    fn ipv4_shared_prefixes_of_every_length(key in any::<[u8; 32]>(), a in any::<u32>(), flip in 0u32..32) {
        let b = a ^ (u32::MAX >> flip);
        let t = tokeniser(key);
        let (ta, tb) = (u32::from(t.ipv4(Ipv4Addr::from(a))), u32::from(t.ipv4(Ipv4Addr::from(b))));
        prop_assert_eq!((ta ^ tb).leading_zeros(), flip);
    }
}
