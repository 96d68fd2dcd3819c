//! Which certificates found in the computer's own store (listed by the companion) to register
//! without any file, when the administrator's policy asks for it: WebORCA terminal
//! certificates (`client` + digits, by the reader's rules), still valid, not registered and
//! not replaced by a renewal before; of several for one terminal, the one that ends last.

use serde::Deserialize;

use crate::certificate::CertificateInfo;
use crate::overview::Registration;
use crate::stored::HistoryEntry;

/// A certificate the companion found, as it lists it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// What the core's reader says of it.
    pub certificate: CertificateInfo,
    /// Issued to a WebORCA terminal.
    pub renewable_client: bool,
}

/// The registrations to add for `found`, on `now`.
pub fn discovered(
    found: &[Found],
    registrations: &[Registration],
    history: &[HistoryEntry],
    now: i64,
) -> Vec<Registration> {
    let terminal = |c: &CertificateInfo| (c.common_name.clone(), c.organization.clone());
    let mut chosen: Vec<&CertificateInfo> = Vec::new();
    for candidate in found.iter().filter(|f| f.renewable_client) {
        let certificate = &candidate.certificate;
        let fingerprint = &certificate.sha256_fingerprint;
        let known = registrations
            .iter()
            .map(|r| &r.certificate)
            .chain(history.iter().map(|h| &h.certificate))
            .any(|c| &c.sha256_fingerprint == fingerprint);
        // A registered certificate of the same terminal that ends as late or later is the
        // one in use; an earlier one of the store is a leftover the renewal replaced.
        let superseded = registrations.iter().any(|r| {
            terminal(&r.certificate) == terminal(certificate)
                && r.certificate.not_after >= certificate.not_after
        });
        if known || superseded || certificate.not_after <= now {
            continue;
        }
        match chosen
            .iter_mut()
            .find(|c| terminal(c) == terminal(certificate))
        {
            Some(earlier) if earlier.not_after < certificate.not_after => *earlier = certificate,
            Some(_) => {}
            None => chosen.push(certificate),
        }
    }
    chosen
        .into_iter()
        .map(|certificate| Registration {
            found_in_store: true,
            ..Registration::new(certificate.clone(), "", None, None, now)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jst::DAY_MS;
    use crate::read_certificate_file;

    const NOW: i64 = 1_800_000_000_000;

    fn found(not_after: i64, fingerprint: &str, renewable_client: bool) -> Found {
        let mut certificate = read_certificate_file(
            include_bytes!("../tests/fixtures/client3948.der"),
            None,
            None,
        )
        .expect("fixture")
        .certificate;
        certificate.not_after = not_after;
        certificate.sha256_fingerprint = fingerprint.into();
        Found {
            certificate,
            renewable_client,
        }
    }

    #[test]
    fn the_latest_valid_terminal_certificate_not_yet_known_is_registered_under_its_cn() {
        let old = found(NOW + 10 * DAY_MS, "OLD", true);
        let new = found(NOW + 1000 * DAY_MS, "NEW", true);
        let expired = found(NOW - DAY_MS, "EXPIRED", true);
        let other = found(NOW + 500 * DAY_MS, "NOT-A-TERMINAL", false);
        let added = discovered(&[old.clone(), new.clone(), expired, other], &[], &[], NOW);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].certificate.sha256_fingerprint, "NEW");
        assert_eq!(added[0].label, "client3948");
        assert_eq!(added[0].file_name, None);
        assert!(added[0].found_in_store, "the popup says where it came from");

        // Already registered, or replaced by a renewal before: nothing to add.
        assert!(discovered(std::slice::from_ref(&new), &added, &[], NOW).is_empty());
        let registered = Registration::new(new.certificate.clone(), "受付", None, None, NOW);
        assert!(
            discovered(std::slice::from_ref(&old), &[registered], &[], NOW).is_empty(),
            "the old one left in the store after a renewal"
        );
        let replaced = HistoryEntry {
            label: "受付".into(),
            file_name: None,
            registered_at: NOW,
            replaced_at: NOW,
            certificate: old.certificate.clone(),
        };
        assert!(discovered(&[old], &[], &[replaced], NOW).is_empty());
    }
}
