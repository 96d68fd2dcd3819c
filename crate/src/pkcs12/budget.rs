//! How much work one PKCS#12 file may cost, whatever its shape.
//!
//! A file is untrusted input, and the worker is busy while it opens. The iteration cap per
//! derivation ([`super::MAX_ITERATIONS`]) is not enough on its own: thousands of bags, each
//! with its own derivation, fit in the size cap, and a long derived key multiplies the work.
//! So the whole file gets one budget, counted in hash compressions (the unit every KDF here
//! spends), charged before each derivation runs, and caps on the number of parts.
//!
//! The budget is set by the costliest file a real tool writes: NSS and `openssl -iter 600000`
//! use 600,000 iterations for the MAC (PKCS#12 KDF, SHA-256: 600,000 compressions) and for
//! two PBES2 parts (PBKDF2-HMAC-SHA256: 2 compressions per iteration, 2.4 M together):
//! 3.0 M. [`MAX_WORK`] leaves room for a SHA-512 MAC at that count; anything above is refused
//! before it is computed.

use crate::error::{Error, Result};

/// Hash compressions one file may cost, all derivations and password forms together.
pub(crate) const MAX_WORK: u64 = 4_000_000;

/// Caps on the parts of one file. A client certificate file holds one key, its certificate
/// and a short chain, in two or three parts; these leave a wide margin.
pub(crate) const MAX_BAGS: usize = 64;
/// Certificates in one file (any format): the end entity and its chain.
pub(crate) const MAX_CERTIFICATES: usize = 32;
/// Private keys in one file.
pub(crate) const MAX_KEYS: usize = 4;
/// Encrypted parts and shrouded keys: each needs its own derivation.
pub(super) const MAX_ENCRYPTED: usize = 8;

/// The hash a key derivation runs, by the cost of one compression relative to SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HashCost {
    /// SHA-1, SHA-224, SHA-256: 64-byte blocks, 20–32-byte output.
    Narrow {
        /// Output length in bytes.
        output: usize,
    },
    /// SHA-384, SHA-512: 128-byte blocks of 64-bit words, about twice the work per call.
    Wide {
        /// Output length in bytes.
        output: usize,
    },
}

impl HashCost {
    fn output(self) -> usize {
        match self {
            Self::Narrow { output } | Self::Wide { output } => output,
        }
    }

    fn weight(self) -> u64 {
        match self {
            Self::Narrow { .. } => 1,
            Self::Wide { .. } => 2,
        }
    }
}

/// The work spent and the parts seen so far in one file.
#[derive(Debug, Default)]
pub(super) struct Budget {
    spent: u64,
    bags: usize,
    encrypted: usize,
}

impl Budget {
    /// Charges a PBKDF2-HMAC derivation of `key_len` bytes (RFC 8018 §5.2: each output block
    /// runs `iterations` HMACs, two compressions each with the pads precomputed).
    pub(super) fn pbkdf2(&mut self, hash: HashCost, iterations: u32, key_len: usize) -> Result<()> {
        self.charge(hash, iterations, key_len, 2)
    }

    /// Charges a PKCS#12 KDF derivation of `key_len` bytes (RFC 7292 Appendix B.2: each
    /// output block hashes `iterations` times, one compression each after the first).
    pub(super) fn pkcs12_kdf(
        &mut self,
        hash: HashCost,
        iterations: u32,
        key_len: usize,
    ) -> Result<()> {
        self.charge(hash, iterations, key_len, 1)
    }

    fn charge(
        &mut self,
        hash: HashCost,
        iterations: u32,
        key_len: usize,
        per_iteration: u64,
    ) -> Result<()> {
        let blocks = key_len.div_ceil(hash.output().max(1)).max(1) as u64;
        let cost = u64::from(iterations)
            .saturating_mul(blocks)
            .saturating_mul(per_iteration)
            .saturating_mul(hash.weight());
        let spent = self.spent.saturating_add(cost);
        if spent > MAX_WORK {
            return Err(Error::TooMuchWork { max: MAX_WORK });
        }
        self.spent = spent;
        Ok(())
    }

    /// Counts one safe bag.
    pub(super) fn bag(&mut self) -> Result<()> {
        Self::count(&mut self.bags, MAX_BAGS, "bags")
    }

    /// Counts one encrypted part or shrouded key.
    pub(super) fn encrypted(&mut self) -> Result<()> {
        Self::count(&mut self.encrypted, MAX_ENCRYPTED, "encrypted parts")
    }

    fn count(seen: &mut usize, max: usize, what: &'static str) -> Result<()> {
        *seen += 1;
        if *seen > max {
            return Err(Error::TooManyParts { what, max });
        }
        Ok(())
    }

    /// Compressions charged so far (for tests and the benchmark).
    #[cfg(test)]
    pub(super) fn spent(&self) -> u64 {
        self.spent
    }
}

/// Refuses a list longer than `max` (certificates, keys), naming `what`.
pub(crate) fn at_most<T>(items: &[T], max: usize, what: &'static str) -> Result<()> {
    if items.len() > max {
        return Err(Error::TooManyParts { what, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: HashCost = HashCost::Narrow { output: 32 };
    const SHA1: HashCost = HashCost::Narrow { output: 20 };

    #[test]
    fn the_costliest_real_file_fits_and_one_more_derivation_does_not() {
        // NSS / `openssl -iter 600000`: the MAC and two PBES2 parts.
        let mut budget = Budget::default();
        budget.pkcs12_kdf(SHA256, 600_000, 32).expect("MAC");
        budget.pbkdf2(SHA256, 600_000, 32).expect("key");
        budget.pbkdf2(SHA256, 600_000, 16).expect("certificates");
        assert_eq!(budget.spent(), 3_000_000);
        assert_eq!(
            budget.pbkdf2(SHA256, 600_000, 32),
            Err(Error::TooMuchWork { max: MAX_WORK })
        );
        assert_eq!(
            budget.spent(),
            3_000_000,
            "a refused derivation costs nothing"
        );
    }

    #[test]
    fn a_long_key_costs_one_derivation_per_block() {
        // The ORCA cloud's 3DES key bag: 24 bytes of SHA-1 output is two blocks.
        let mut budget = Budget::default();
        budget.pkcs12_kdf(SHA1, 2048, 24).expect("key");
        assert_eq!(budget.spent(), 4096);
        // A PBKDF2 key 64 times the hash output costs 64 derivations.
        let mut budget = Budget::default();
        assert!(budget.pbkdf2(SHA256, 100_000, 32 * 64).is_err());
    }

    #[test]
    fn parts_are_counted() {
        let mut budget = Budget::default();
        for _ in 0..MAX_ENCRYPTED {
            budget.encrypted().expect("within the cap");
        }
        assert_eq!(
            budget.encrypted(),
            Err(Error::TooManyParts {
                what: "encrypted parts",
                max: MAX_ENCRYPTED
            })
        );
        assert!(at_most(&[0; MAX_KEYS], MAX_KEYS, "keys").is_ok());
        assert!(at_most(&[0; MAX_KEYS + 1], MAX_KEYS, "keys").is_err());
    }
}
