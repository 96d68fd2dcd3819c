//! One page that shows the whole status folder: every terminal's certificates, most urgent
//! first — expired, failed, due and not renewed, renewed but not imported, imported but not
//! backed up, done — each with what to do, in Japanese with its English twin, and a terminal
//! that has not written for two days marked silent. Self-contained HTML (no script, nothing
//! fetched): it opens from the share in any browser. The companion writes it after each status
//! (`status.rs`) as `weborca-status.html` in the administrator's folder; `weborca-companion
//! report <folder>` writes it and prints the same table.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use weborca_cert::{DAY_MS, days_left};

use crate::status::{CertificateStatus, FILE_PREFIX, FORMAT, StatusFile, VERSION};

/// The page's file name, in the administrator's folder.
pub const PAGE: &str = "weborca-status.html";
/// A terminal that has not written for longer than this is silent.
pub const SILENT_AFTER_MS: i64 = 2 * DAY_MS;
/// The renewal window (WebORCA's 90 days).
const DUE_DAYS: i64 = 90;
/// At most this many status files are read, each at most this large.
const MAX_FILES: usize = 2000;
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Where a certificate stands, most urgent first (the order of the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Past its end: the terminal cannot log in.
    Expired,
    /// Its renewal failed.
    Failed,
    /// In the renewal window, not renewed.
    Due,
    /// Renewed, not imported into the computer's store.
    RenewedNotImported,
    /// Imported, not backed up.
    ImportedNotBackedUp,
    /// Renewed, imported and backed up.
    Done,
    /// Not in the renewal window yet.
    NotDue,
}

impl Standing {
    /// Where `certificate` stands at `now`.
    pub fn of(certificate: &CertificateStatus, now: i64) -> Self {
        let left = days_left(certificate.not_after, now);
        if left < 0 {
            return Self::Expired;
        }
        match &certificate.renewal {
            Some(renewal) if renewal.renewed_at.is_some() => {
                match (renewal.imported_at, renewal.backed_up_at) {
                    (None, _) => Self::RenewedNotImported,
                    (Some(_), None) => Self::ImportedNotBackedUp,
                    (Some(_), Some(_)) => Self::Done,
                }
            }
            Some(renewal) if renewal.error_code.is_some() => Self::Failed,
            Some(_) | None if left <= DUE_DAYS => Self::Due,
            Some(_) | None => Self::NotDue,
        }
    }

    /// (Japanese, English) label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Expired => ("期限切れ", "Expired"),
            Self::Failed => ("更新に失敗", "Renewal failed"),
            Self::Due => ("更新時期・未更新", "Due, not renewed"),
            Self::RenewedNotImported => ("更新済み・未取り込み", "Renewed, not imported"),
            Self::ImportedNotBackedUp => ("取り込み済み・バックアップなし", "Imported, no backup"),
            Self::Done => ("完了", "Done"),
            Self::NotDue => ("問題なし", "OK"),
        }
    }

    /// (Japanese, English) what to do.
    pub fn advice(self) -> (&'static str, &'static str) {
        match self {
            Self::Expired => (
                "この端末は WebORCA にログインできません。テナント管理者に証明書の再発行を依頼してください。",
                "This computer cannot log in to WebORCA. Ask the tenant administrator to reissue the certificate.",
            ),
            Self::Failed => (
                "端末で拡張機能のポップアップを開き、理由と案内を確認してください。",
                "Open the extension's popup on this computer and follow what it says.",
            ),
            Self::Due => (
                "端末で「今すぐ更新」を押すか、自動更新の設定を確認してください。",
                "Press 「今すぐ更新」 on this computer, or check the automatic renewal policy.",
            ),
            Self::RenewedNotImported => (
                "新しい証明書を、この端末に取り込んでください（ポップアップが手順を案内します）。",
                "Import the new certificate on this computer (the popup shows the steps).",
            ),
            Self::ImportedNotBackedUp => (
                "新しい証明書とパスワードのファイルを、バックアップしてください。",
                "Back up the new certificate and its password file.",
            ),
            Self::Done => ("操作は必要ありません。", "Nothing to do."),
            Self::NotDue => ("更新時期ではありません。", "Not due for renewal yet."),
        }
    }

    fn class(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Failed => "failed",
            Self::Due => "due",
            Self::RenewedNotImported => "not-imported",
            Self::ImportedNotBackedUp => "no-backup",
            Self::Done => "done",
            Self::NotDue => "ok",
        }
    }
}

/// One line of the page: one certificate of one terminal (or a terminal with none, or a file
/// that could not be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The terminal's computer and user, or the file's name if unreadable.
    pub terminal: String,
    /// When its status was written (ms), if readable.
    pub written_at: Option<i64>,
    /// Older than [`SILENT_AFTER_MS`].
    pub silent: bool,
    /// The certificate, if any.
    pub certificate: Option<CertificateStatus>,
    /// Where it stands; `None` for a terminal with no certificate or an unreadable file.
    pub standing: Option<Standing>,
    /// Days left.
    pub days_left: Option<i64>,
}

/// Every status file in `folder` (`weborca-status__*.json`), as read (unreadable ones named;
/// links are not followed).
pub fn read_folder(folder: &Path) -> Vec<Result<StatusFile, String>> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<_> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().is_some_and(|name| {
                let name = name.to_string_lossy();
                name.starts_with(FILE_PREFIX) && name.ends_with(".json")
            })
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .take(MAX_FILES)
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let small = fs::symlink_metadata(&path)
                .is_ok_and(|meta| meta.is_file() && meta.len() <= MAX_FILE_BYTES);
            small
                .then(|| fs::read(&path).ok())
                .flatten()
                .and_then(|bytes| serde_json::from_slice::<StatusFile>(&bytes).ok())
                .filter(|file| file.format == FORMAT && file.version == VERSION)
                .ok_or(name)
        })
        .collect()
}

/// The page's lines at `now`, most urgent first.
pub fn rows(files: &[Result<StatusFile, String>], now: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for file in files {
        match file {
            Err(name) => rows.push(Row {
                terminal: name.clone(),
                written_at: None,
                silent: true,
                certificate: None,
                standing: None,
                days_left: None,
            }),
            Ok(file) => {
                let terminal = format!("{} ({})", file.computer, file.user);
                let silent = now - file.written_at > SILENT_AFTER_MS;
                if file.report.certificates.is_empty() {
                    rows.push(Row {
                        terminal: terminal.clone(),
                        written_at: Some(file.written_at),
                        silent,
                        certificate: None,
                        standing: None,
                        days_left: None,
                    });
                }
                for certificate in &file.report.certificates {
                    rows.push(Row {
                        terminal: terminal.clone(),
                        written_at: Some(file.written_at),
                        silent,
                        standing: Some(Standing::of(certificate, now)),
                        days_left: Some(days_left(certificate.not_after, now)),
                        certificate: Some(certificate.clone()),
                    });
                }
            }
        }
    }
    // Unreadable files and terminals with nothing first (someone must look), then by standing,
    // then the fewest days left.
    rows.sort_by_key(|row| {
        (
            row.standing.map_or(0, |s| s as u8 + 1),
            row.days_left.unwrap_or(i64::MIN),
            row.terminal.clone(),
        )
    });
    rows
}

/// `yyyy-mm-dd` in Japan.
fn jst_date(ms: i64) -> String {
    let days = (ms + 9 * 3_600_000).div_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `yyyy-mm-dd hh:mm` in Japan.
fn jst_time(ms: i64) -> String {
    let local = ms + 9 * 3_600_000;
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    format!("{} {:02}:{:02}", jst_date(ms), minutes / 60, minutes % 60)
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (the well-known civil-from-days
/// arithmetic; no date crate is needed for one conversion).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Yu Gothic',sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff}\
h1{font-size:1.4rem;margin:0 0 .25rem}p.meta{margin:0 0 1rem;color:#444}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.5rem;text-align:left;vertical-align:top}\
th{background:#f2f2f2}td{overflow-wrap:anywhere}\
@media (max-width:900px){body{margin:.5rem}th,td{padding:.3rem;font-size:.9rem}}.en{display:block;color:#555;font-size:.85em}\
.badge{display:inline-block;padding:.15rem .5rem;border-radius:.25rem;font-weight:bold;white-space:nowrap}\
.expired{background:#8b0000;color:#fff}.failed{background:#b3261e;color:#fff}.due{background:#f9a825;color:#1a1a1a}\
.not-imported{background:#ef6c00;color:#1a1a1a}.no-backup{background:#fff176;color:#1a1a1a}\
.done{background:#2e7d32;color:#fff}.ok{background:#e8f5e9;color:#1b5e20}.unknown{background:#616161;color:#fff}\
caption{text-align:left;color:#444;padding:.25rem 0}\
tr.row-expired td:first-child{border-left:.5rem solid #8b0000}tr.row-failed td:first-child{border-left:.5rem solid #b3261e}\
tr.row-due td:first-child{border-left:.5rem solid #f9a825}tr.row-not-imported td:first-child{border-left:.5rem solid #ef6c00}\
tr.row-no-backup td:first-child{border-left:.5rem solid #fbc02d}tr.row-done td:first-child{border-left:.5rem solid #2e7d32}\
tr.row-ok td:first-child{border-left:.5rem solid #a5d6a7}tr.row-unknown td:first-child{border-left:.5rem solid #616161}\
.silent{display:inline-block;margin-top:.25rem;padding:.1rem .4rem;border:2px solid #6a1b9a;color:#4a148c;font-weight:bold}";

/// The page at `now`.
pub fn page(files: &[Result<StatusFile, String>], now: i64) -> String {
    let rows = rows(files, now);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>WebORCA 証明書の状況 / Certificate status</title><style>{STYLE}</style></head><body>\
<main><h1>WebORCA 証明書の状況<span class=\"en\">WebORCA certificate status, every terminal</span></h1>\
<p class=\"meta\">作成 {} （日本時間）・端末 {} 台<span class=\"en\">Made {} (JST), {} terminal files</span></p>\
<table><caption>急ぐものから順に並べています。<span class=\"en\">Most urgent first.</span></caption><thead><tr>\
<th scope=\"col\">状況<span class=\"en\">Standing</span></th>\
<th scope=\"col\">端末<span class=\"en\">Terminal</span></th>\
<th scope=\"col\">証明書<span class=\"en\">Certificate</span></th>\
<th scope=\"col\">有効期限<span class=\"en\">Expires</span></th>\
<th scope=\"col\">すること<span class=\"en\">What to do</span></th>\
<th scope=\"col\">最終報告<span class=\"en\">Last report</span></th></tr></thead><tbody>",
        jst_time(now),
        files.len(),
        jst_time(now),
        files.len()
    );
    for row in &rows {
        let (class, (label_ja, label_en), (advice_ja, advice_en)) = match row.standing {
            Some(standing) => (standing.class(), standing.label(), standing.advice()),
            None if row.written_at.is_none() => (
                "unknown",
                ("読めないファイル", "Unreadable file"),
                (
                    "状況ファイルを読めませんでした。補助プログラムの版をそろえてください。",
                    "This status file could not be read. Bring the companions to the same version.",
                ),
            ),
            None => (
                "unknown",
                ("証明書なし", "No certificate"),
                (
                    "この端末には証明書が登録されていません。",
                    "No certificate is registered on this computer.",
                ),
            ),
        };
        let certificate = row.certificate.as_ref().map_or_else(String::new, |c| {
            let found = if c.found_in_store {
                "（証明書ストア）<span class=\"en\">(computer's store)</span>"
            } else {
                ""
            };
            format!(
                "{}<span class=\"en\">{} · serial {}</span>{found}",
                escape(c.name.as_str()),
                escape(c.common_name.as_ref().map_or("", |cn| cn.as_str())),
                escape(c.serial.as_str()),
            )
        });
        let expires = match (&row.certificate, row.days_left) {
            (Some(c), Some(left)) if left < 0 => format!(
                "{}<span class=\"en\">{} 日前に期限切れ / expired {} days ago</span>",
                jst_date(c.not_after),
                -left,
                -left
            ),
            (Some(c), Some(left)) => format!(
                "{}<span class=\"en\">残り {left} 日 / {left} days left</span>",
                jst_date(c.not_after)
            ),
            _ => String::new(),
        };
        let error = row
            .certificate
            .as_ref()
            .and_then(|c| c.renewal.as_ref())
            .filter(|_| row.standing == Some(Standing::Failed))
            .map_or_else(String::new, |renewal| {
                format!(
                    "<br>理由: {} <span class=\"en\">({})</span>",
                    escape(renewal.error_message.as_ref().map_or("", |m| m.as_str())),
                    escape(renewal.error_code.as_ref().map_or("", |c| c.as_str())),
                )
            });
        let silent = if row.silent {
            "<br><span class=\"silent\">2 日以上報告なし<span class=\"en\">Silent for over 2 days: is the computer, Chrome or the companion running?</span></span>"
        } else {
            ""
        };
        let _ = write!(
            html,
            "<tr class=\"row-{class}\"><td><span class=\"badge {class}\">{label_ja}</span><span class=\"en\">{label_en}</span></td>\
<td>{}</td><td>{certificate}</td><td>{expires}</td><td>{advice_ja}<span class=\"en\">{advice_en}</span>{error}</td>\
<td>{}{silent}</td></tr>",
            escape(&row.terminal),
            row.written_at.map_or_else(|| "—".to_owned(), jst_time),
        );
    }
    html.push_str("</tbody></table></main></body></html>\n");
    html
}

/// The same table as text, for a terminal window.
pub fn text(files: &[Result<StatusFile, String>], now: i64) -> String {
    let mut out = format!(
        "WebORCA 証明書の状況 / certificate status — {} JST\n",
        jst_time(now)
    );
    for row in rows(files, now) {
        let (label_ja, label_en) = row
            .standing
            .map_or(("確認が必要", "look at it"), Standing::label);
        let certificate = row.certificate.as_ref().map_or_else(String::new, |c| {
            format!(
                "{} {} {}",
                c.name.as_str(),
                c.common_name.as_ref().map_or("", |cn| cn.as_str()),
                jst_date(c.not_after)
            )
        });
        let days = row
            .days_left
            .map_or_else(String::new, |d| format!(" ({d} days)"));
        let silent = if row.silent { "  [silent]" } else { "" };
        let _ = writeln!(
            out,
            "{label_ja} / {label_en}\t{}\t{certificate}{days}{silent}",
            row.terminal
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{RenewalStatus, TerminalReport, Text};

    const NOW: i64 = 1_796_600_000_000;

    fn text(s: &str) -> Text {
        Text::try_from(s.to_owned()).expect("text")
    }

    fn certificate(days: i64, renewal: Option<RenewalStatus>) -> CertificateStatus {
        CertificateStatus {
            name: text("受付PC"),
            common_name: Some(text("client3948")),
            serial: text("0A1B"),
            not_after: NOW + days * DAY_MS,
            found_in_store: true,
            days_left: None,
            renewal,
        }
    }

    fn renewal(
        error: Option<&str>,
        renewed: bool,
        imported: bool,
        backed_up: bool,
    ) -> RenewalStatus {
        RenewalStatus {
            stage: text(if renewed { "done" } else { "failed" }),
            error_code: error.map(text),
            error_message: error.map(|_| text("<script>alert(1)</script>")),
            renewed_at: renewed.then_some(NOW),
            imported_at: imported.then_some(NOW),
            backed_up_at: backed_up.then_some(NOW),
        }
    }

    fn file(computer: &str, written_at: i64, certificates: Vec<CertificateStatus>) -> StatusFile {
        StatusFile {
            format: FORMAT.into(),
            version: VERSION,
            computer: computer.into(),
            user: "uketsuke".into(),
            companion_version: "0.1.0".into(),
            written_at,
            report: TerminalReport {
                extension_version: text("0.1.0"),
                certificates,
            },
        }
    }

    #[test]
    fn every_standing_in_the_order_of_urgency() {
        let files = vec![
            Ok(file(
                "done",
                NOW,
                vec![certificate(1095, Some(renewal(None, true, true, true)))],
            )),
            Ok(file("ok", NOW, vec![certificate(400, None)])),
            Ok(file(
                "no-backup",
                NOW,
                vec![certificate(1095, Some(renewal(None, true, true, false)))],
            )),
            Ok(file(
                "not-imported",
                NOW,
                vec![certificate(1095, Some(renewal(None, true, false, false)))],
            )),
            Ok(file("due", NOW, vec![certificate(60, None)])),
            Ok(file(
                "failed",
                NOW,
                vec![certificate(
                    30,
                    Some(renewal(Some("connection_failed"), false, false, false)),
                )],
            )),
            Ok(file("expired", NOW, vec![certificate(-1, None)])),
        ];
        let order: Vec<Option<Standing>> = rows(&files, NOW).iter().map(|r| r.standing).collect();
        assert_eq!(
            order,
            [
                Standing::Expired,
                Standing::Failed,
                Standing::Due,
                Standing::RenewedNotImported,
                Standing::ImportedNotBackedUp,
                Standing::Done,
                Standing::NotDue
            ]
            .map(Some)
        );
    }

    #[test]
    fn a_terminal_that_stops_writing_is_silent_once_two_days_have_passed() {
        let files = vec![Ok(file("quiet", NOW, vec![certificate(400, None)]))];
        assert!(
            !rows(&files, NOW + SILENT_AFTER_MS)
                .first()
                .expect("row")
                .silent
        );
        assert!(
            rows(&files, NOW + SILENT_AFTER_MS + 1)
                .first()
                .expect("row")
                .silent
        );
        assert!(page(&files, NOW + SILENT_AFTER_MS + 1).contains("2 日以上報告なし"));
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_what_terminals_wrote() {
        let files = vec![
            Ok(file(
                "<b>pc</b>",
                NOW,
                vec![certificate(
                    30,
                    Some(renewal(Some("connection_failed"), false, false, false)),
                )],
            )),
            Err("broken.json".into()),
        ];
        let html = page(&files, NOW);
        assert!(
            !html.contains("<script"),
            "no script, and a terminal's words escaped"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;pc&lt;/b&gt;"));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing fetched"
        );
        assert!(html.contains("読めないファイル"));
    }

    #[test]
    fn dates_are_japanese_calendar_days() {
        // 2026-12-31 15:00 UTC is 2027-01-01 00:00 in Japan.
        assert_eq!(jst_date(1_798_729_200_000), "2027-01-01");
        assert_eq!(jst_time(1_798_729_200_000), "2027-01-01 00:00");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
