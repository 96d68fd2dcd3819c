//! What the fuzz targets share: the fixtures, a check of a reader's report, and a renewal
//! driven the way the extension's worker drives it (records and effects read through their
//! serde form, the only one the crate makes public, and the one the worker itself sees).

use std::sync::OnceLock;

use serde_json::Value;
use weborca_cert::{
    CertificateInfo, CertificateReport, CompanionPlan, DAY_MS, Event, RenewalCode, RenewalOutcome,
    RenewalRecord, RenewalStage, Secret, StartRequest, read_certificate_file, renewal_step,
    start_renewal,
};

/// The fixtures' password.
pub const PASS: &str = "orca-test-pass";
/// The renewed file the renewal tests download: client3948 with its issuing CA, legacy
/// algorithms as the ORCA cloud issues them.
pub const RENEWED: &[u8] = include_bytes!("../../crate/tests/fixtures/openssl-legacy-chain.p12");
/// A file that opens with [`PASS`] but is another terminal's (client3949): never verifies.
pub const OTHER_SUBJECT: &[u8] = include_bytes!("../../crate/tests/fixtures/ec-p256.p12");
/// The renewal endpoint (WebORCA cloud's, so any host of `orcamo.jp` may serve the file).
pub const API: &str = "https://auth.cmo.orcamo.jp/api/cert";
/// Hosts the administrator listed for downloads, beside the service domain.
pub const DOWNLOAD_HOSTS: [&str; 2] = ["files.example.jp", "dl.example.jp:8443"];
/// States (as stored) only a verified renewed file may lead to.
pub const PROVEN_STATES: [&str; 6] = [
    "verified",
    "passwordSaved",
    "filesSaved",
    "saved",
    "backedUp",
    "done",
];

/// Checks what the reader promises of any report it returns (see `CertificateReport`), and
/// serializes it as the Wasm boundary does.
pub fn check_report(report: &CertificateReport) {
    assert_ne!(
        report.key_matches_certificate,
        Some(false),
        "documented: never Some(false)"
    );
    assert_eq!(
        report.has_private_key,
        report.key_matches_certificate.is_some()
    );
    assert!(serde_json::to_value(report).is_ok());
}

/// The certificate being renewed: the renewed file's own, as registered three years earlier
/// (as `crate/src/renewal.rs`'s test fixtures make it), so [`RENEWED`] verifies against it.
pub fn current() -> CertificateInfo {
    static CURRENT: OnceLock<CertificateInfo> = OnceLock::new();
    CURRENT
        .get_or_init(|| {
            let mut old = read_certificate_file(RENEWED, Some(PASS), None)
                .expect("the renewed fixture opens")
                .certificate;
            old.not_after -= 1095 * DAY_MS;
            old.sha256_fingerprint = "AA".into();
            old
        })
        .clone()
}

/// One renewal as the worker holds it: the stored record, the secret it keeps for it, and
/// the clock.
#[derive(Clone, Debug)]
pub struct Renewal {
    /// The record as last stored.
    pub record: RenewalRecord,
    /// The secret as the `keepSecret` / `wipeSecret` effects left it.
    pub secret: Option<Secret>,
    /// Whether that secret was kept durably (it survives a browser restart).
    pub durable: bool,
    /// The time (ms).
    pub now: i64,
    /// The signature checks the last `checkSignatures` effect asked for.
    pub checks: Vec<weborca_cert::SignatureRequest>,
}

impl Renewal {
    /// What "今すぐ更新" (or the `autoRenew` policy) asks for `current`.
    pub fn request(current: CertificateInfo, automatic: bool, confirmed: bool) -> StartRequest {
        StartRequest {
            current,
            label: "受付PC".into(),
            api_url: Some(API.into()),
            download_hosts: DOWNLOAD_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            folder: "WebORCA証明書".into(),
            confirmed,
            automatic,
            earlier_record_unreadable: false,
            // A fleet's policy: the companion imports and backs up what the policy renews.
            companion: automatic.then_some(CompanionPlan { import: true }),
        }
    }

    /// "今すぐ更新" (or the `autoRenew` policy) for [`current`], with nothing before it.
    pub fn start(automatic: bool) -> (Self, Vec<Value>) {
        Self::start_with(automatic, false)
    }

    /// Likewise; `other_issuer`: the registered certificate names another issuer, so that
    /// even [`RENEWED`] is held for the administrator.
    pub fn start_with(automatic: bool, other_issuer: bool) -> (Self, Vec<Value>) {
        let mut current = current();
        if other_issuer {
            current.issuer = "CN=Another CA,O=Elsewhere,C=JP".into();
        }
        let now = 1_800_000_000_000;
        let request = Self::request(current, automatic, false);
        let step = start_renewal(None, request, now).expect("a first start is never refused");
        let effects = effects(serde_json::to_value(&step.effects));
        let mut renewal = Self {
            record: step.record,
            secret: None,
            durable: false,
            now,
            checks: Vec::new(),
        };
        renewal.apply_secret_effects(&effects);
        (renewal, effects)
    }

    /// "今すぐ更新" again over this renewal's record (by the user, confirmed or not, or by the
    /// policy): on success the new record is stored and the secret effects applied, as the
    /// worker does; the step's effects are returned.
    pub fn start_again(
        &mut self,
        automatic: bool,
        confirmed: bool,
    ) -> std::result::Result<Vec<Value>, RenewalCode> {
        let request = Self::request(self.record.current.clone(), automatic, confirmed);
        let step = start_renewal(Some(&self.record), request, self.now)?;
        let effects = effects(serde_json::to_value(&step.effects));
        self.record = step.record;
        self.apply_secret_effects(&effects);
        Ok(effects)
    }

    /// Where the issued file is, while it is being downloaded.
    pub fn uri(&self) -> Option<&str> {
        match &self.record.stage {
            RenewalStage::Downloading { uri, .. } | RenewalStage::DownloadStuck { uri, .. } => {
                Some(uri)
            }
            _ => None,
        }
    }

    /// The record's stage.
    pub fn stage(&self) -> &RenewalStage {
        &self.record.stage
    }

    /// The record's state as stored (`probing`, `requesting`…, the flat shape's `state`).
    pub fn state(&self) -> String {
        match serde_json::to_value(&self.record) {
            Ok(Value::Object(mut record)) => match record.remove("state") {
                Some(Value::String(state)) => state,
                other => panic!("a state is a string: {other:?}"),
            },
            other => panic!("a record serializes as an object: {other:?}"),
        }
    }

    /// The record as stored reads back as itself.
    pub fn check_stored(&self) {
        let stored = serde_json::to_value(&self.record).expect("a record serializes");
        let read: RenewalRecord = serde_json::from_value(stored.clone())
            .unwrap_or_else(|err| panic!("a stored record reads back ({err}): {stored}"));
        assert_eq!(read, self.record, "a stored record reads back as itself");
    }

    /// This renewal as a worker stopped just after storing `step_record` would leave it: the
    /// record stored together with a durable secret the step kept (the worker writes both in
    /// one `set`), none of the step's other effects performed.
    pub fn stopped_before_effects(&self, step_record: &RenewalRecord, effects: &[Value]) -> Self {
        let mut stopped = Self {
            record: step_record.clone(),
            secret: self.secret.clone(),
            durable: self.durable,
            now: self.now,
            checks: self.checks.clone(),
        };
        let durable_keep: Vec<Value> = effects
            .iter()
            .filter(|e| e["type"] == "keepSecret" && e["durable"] == true)
            .take(1)
            .cloned()
            .collect();
        stopped.apply_secret_effects(&durable_keep);
        stopped
    }

    /// What `event` makes of this renewal: the record to store and the effects in their
    /// serde form (nothing stored yet).
    pub fn peek(&self, event: Event, jitter: f64) -> (RenewalRecord, Vec<Value>) {
        let record = self.record.clone();
        let step = renewal_step(record, event, self.secret.as_ref(), self.now, jitter);
        (step.record, effects(serde_json::to_value(&step.effects)))
    }

    /// Stores `record` and keeps or wipes the secret as `effects` tell.
    pub fn store(&mut self, record: RenewalRecord, effects: &[Value]) {
        self.record = record;
        self.apply_secret_effects(effects);
    }

    /// Feeds `event`, stores the new record, keeps or wipes the secret as told, and returns
    /// the effects in their serde form.
    pub fn feed(&mut self, event: Event, jitter: f64) -> Vec<Value> {
        let (record, effects) = self.peek(event, jitter);
        self.store(record, &effects);
        effects
    }

    /// The worker's answer to the last `checkSignatures`: WebCrypto's (the native verifier's
    /// here), or every check refused (a browser that refuses the key).
    pub fn signatures_checked(&self, refused: bool) -> Event {
        let valid = self
            .checks
            .iter()
            .map(|check| !refused && weborca_cert::native_signatures::verify(check))
            .collect();
        Event::from(weborca_cert::RenewalOutcome::SignaturesChecked { valid })
    }

    /// A browser restart: session storage (a secret kept with `durable: false`) is gone.
    pub fn restart_browser(&mut self) {
        if !self.durable {
            self.secret = None;
        }
    }

    fn apply_secret_effects(&mut self, effects: &[Value]) {
        for effect in effects {
            match effect["type"].as_str() {
                Some("keepSecret") => {
                    let secret = serde_json::from_value(effect["secret"].clone());
                    self.secret = Some(secret.expect("a kept secret reads back"));
                    self.durable = effect["durable"].as_bool().expect("durable is a bool");
                }
                Some("wipeSecret") => {
                    self.secret = None;
                    self.durable = false;
                }
                Some("checkSignatures") => {
                    let checks = serde_json::from_value(effect["requests"].clone());
                    self.checks = checks.expect("signature requests read back");
                }
                _ => {}
            }
        }
    }
}

fn effects(serialized: serde_json::Result<Value>) -> Vec<Value> {
    match serialized {
        Ok(Value::Array(effects)) => effects,
        other => panic!("effects serialize as an array: {other:?}"),
    }
}

/// The method of a `request` effect (`GET`, `POST`), `None` for other effects.
pub fn request_method(effect: &Value) -> Option<&str> {
    (effect["type"] == "request").then(|| effect["method"].as_str().unwrap_or("?"))
}

/// A `response` outcome as the worker builds it from a fetch.
pub fn response(status: u16, redirected: bool, body: &[u8], too_large: bool) -> Event {
    Event::from(RenewalOutcome::Response {
        status,
        redirected,
        body: body.to_vec(),
        too_large,
        retry_after: None,
    })
}
