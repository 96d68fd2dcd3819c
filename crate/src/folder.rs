//! Folder names that every OS the extension runs on accepts and shows as written: a refused
//! name would send the renewed files somewhere else, and an invisible one would hide where.
//!
//! The rule follows Chrome's for `chrome.downloads.download`'s `filename` on every platform
//! (`net::IsSafePortablePathComponent`: no Windows device or shell file name, no
//! shell-integrated extension, no noncharacter, nothing that Chrome's file-name sanitising would
//! change — a leading or trailing dot or space), and is stricter where a name would mislead or
//! reach a console device (format characters, `CONIN$`, `COM¹`). Chromium is asked
//! about each name by `tests/e2e/download-folders.test.mjs`, which fails if the two part.

/// Names Windows reserves for devices, in any case and with any extension (`CON`, `nul.txt`,
/// `clock$.d`): a folder so named cannot be created, so `chrome.downloads` refuses the path.
const WINDOWS_DEVICES: [&str; 5] = ["CON", "PRN", "AUX", "NUL", "CLOCK$"];

/// Whole names the Windows shell gives a meaning of its own, refused by Chrome likewise.
const SHELL_FILES: [&str; 2] = ["desktop.ini", "thumbs.db"];

/// Extensions the Windows shell acts on when a folder or file carries them (`.lnk` links,
/// `.local` DLL redirection): refused by Chrome, as is a `{CLSID}` extension.
const SHELL_EXTENSIONS: [&str; 2] = ["lnk", "local"];

/// Whether one part of a relative folder path is refused: by Chrome's rule (above), or for a
/// character that is invisible or reorders the text around it (Unicode format characters,
/// such as U+202E RIGHT-TO-LEFT OVERRIDE), which would make the shown name lie.
pub(crate) fn part_refused(part: &str) -> bool {
    is_windows_device(part)
        || SHELL_FILES
            .iter()
            .any(|name| part.eq_ignore_ascii_case(name))
        || has_shell_extension(part)
        || part.starts_with(['.', ' '])
        || part.ends_with(['.', ' '])
        || part
            .chars()
            .any(|c| is_format_character(c) || is_noncharacter(c))
}

/// Unicode's noncharacters (U+FDD0–U+FDEF, and the last two code points of every plane), which
/// Chrome's file-name check refuses.
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || u32::from(c) & 0xFFFE == 0xFFFE
}

/// The extension is what follows the last dot, as Chrome reads it.
fn has_shell_extension(part: &str) -> bool {
    let Some((_, extension)) = part.rsplit_once('.') else {
        return false;
    };
    SHELL_EXTENSIONS
        .iter()
        .any(|shell| extension.eq_ignore_ascii_case(shell))
        || (extension.starts_with('{') && extension.ends_with('}'))
}

fn is_windows_device(part: &str) -> bool {
    // Windows ignores what follows the first dot, and trailing spaces, when it matches these.
    let stem = part.split('.').next().unwrap_or_default().trim_end();
    let numbered = |prefix: &str| {
        stem.get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            && matches!(
                stem.get(3..),
                Some("1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³")
            )
    };
    WINDOWS_DEVICES.iter().any(|d| stem.eq_ignore_ascii_case(d))
        || stem.eq_ignore_ascii_case("CONIN$")
        || stem.eq_ignore_ascii_case("CONOUT$")
        || numbered("COM")
        || numbered("LPT")
}

/// Unicode's format characters (general category Cf): bidirectional controls, zero-width
/// characters, the byte-order mark and the like.
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_device_names_and_format_characters_are_refused() {
        for bad in [
            "CON",
            "con",
            "Nul",
            "NUL.txt",
            "aux ",
            "COM1",
            "lpt9",
            "COM¹",
            "CONIN$",
            "a\u{202E}b",
            "\u{200B}",
            "x\u{FEFF}",
            "\u{2066}y",
            // Refused by Chromium 156's downloads API ("Invalid filename"), each seen there.
            "CLOCK$",
            "clock$.d",
            "desktop.ini",
            "Thumbs.db",
            "backup.lnk",
            "certs.local",
            "a.{20D04FE0-3AEA-1069-A2D8-08002B30309D}",
            ".certs",
            "certs.",
            " certs",
            "a\u{FDD0}",
            "b\u{FFFF}",
            "c\u{1FFFE}",
        ] {
            assert!(part_refused(bad), "{bad:?}");
        }
        for good in [
            "WebORCA証明書",
            "CONTOSO",
            "COM10",
            "console",
            "LPT",
            "nul-ish",
            "クリニック",
            "certs.localized",
            "lnk",
            "desktop",
            "v1.2",
        ] {
            assert!(!part_refused(good), "{good:?}");
        }
    }
}
