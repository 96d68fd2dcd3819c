//! BER → DER, so every structure after it can be read by the strict `der` types.
//!
//! NSS (`pk12util`, Firefox) and some Java versions write PKCS#12 in BER: indefinite lengths
//! (`30 80 … 00 00`), OCTET STRINGs split into constructed chunks, long-form lengths where a
//! short one fits. Why not `der`'s own `ber` feature: it accepts only "the minimum amount of
//! additional productions" (its docs; constructed definite-length strings are refused), it
//! has to be threaded through every nested `from_der` of `pkcs12`/`cms`, and it leaves SET OF
//! order unchecked while the DER readers check it. One schema-free pass here turns the file
//! into canonical DER once. The one thing it cannot do without a schema is unwrap an
//! IMPLICIT-tagged constructed OCTET STRING; `pkcs12::decrypt` handles that single field.
//!
//! X.690 §8.1 (identifier, length), §8.1.3.6 (indefinite form), §8.7.3 (constructed
//! strings), §10/§11 (DER: definite minimal lengths, primitive strings, sorted SET OF).

use crate::error::{Error, Result};

/// Nesting deeper than this is refused; PKCS#12 files nest about 12 levels.
const MAX_DEPTH: usize = 48;

const TAG_OCTET_STRING: u8 = 0x04;
const CONSTRUCTED: u8 = 0x20;
const TAG_SET: u8 = 0x31;

/// Re-encodes one BER element (the whole input) in DER.
pub(crate) fn to_der(input: &[u8]) -> Result<Vec<u8>> {
    let mut reader = Reader { input, pos: 0 };
    let element = reader.element(0)?;
    if reader.pos != input.len() {
        return Err(Error::Malformed {
            position: reader.pos,
            context: "data after the end of the structure",
        });
    }
    Ok(element)
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

/// A length as written: a byte count, or "until the end-of-contents marker".
enum Length {
    Definite(usize),
    Indefinite,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .input
            .get(self.pos)
            .ok_or(Error::Truncated { position: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn malformed(&self, context: &'static str) -> Error {
        Error::Malformed {
            position: self.pos,
            context,
        }
    }

    /// Identifier octets, copied as they are (high tag numbers included).
    fn identifier(&mut self) -> Result<Vec<u8>> {
        let first = self.byte()?;
        let mut id = vec![first];
        if first & 0x1f == 0x1f {
            loop {
                let b = self.byte()?;
                id.push(b);
                if b & 0x80 == 0 {
                    break;
                }
                if id.len() > 5 {
                    return Err(self.malformed("tag number"));
                }
            }
        }
        Ok(id)
    }

    fn length(&mut self) -> Result<Length> {
        let first = self.byte()?;
        match first {
            0x00..=0x7f => Ok(Length::Definite(usize::from(first))),
            0x80 => Ok(Length::Indefinite),
            0x81..=0x84 => {
                let mut len = 0usize;
                for _ in 0..(first & 0x7f) {
                    len = (len << 8) | usize::from(self.byte()?);
                }
                Ok(Length::Definite(len))
            }
            _ => Err(self.malformed("length")),
        }
    }

    /// Reads one element starting at `self.pos` and returns its DER encoding.
    fn element(&mut self, depth: usize) -> Result<Vec<u8>> {
        if depth > MAX_DEPTH {
            return Err(self.malformed("nesting depth"));
        }
        let id = self.identifier()?;
        let length = self.length()?;
        let first = id.first().copied().unwrap_or(0);
        let constructed = first & CONSTRUCTED != 0;

        if !constructed {
            let Length::Definite(len) = length else {
                return Err(self.malformed("indefinite length on a primitive value"));
            };
            let content = self.take(len)?;
            return Ok(encode(&id, content));
        }

        let children = self.children(length, depth)?;
        if first == TAG_OCTET_STRING | CONSTRUCTED {
            // X.690 §8.7.3: the value is the concatenation of the segments' values.
            let mut value = Vec::new();
            for child in &children {
                value.extend_from_slice(
                    primitive_octets(child)
                        .ok_or_else(|| self.malformed("segment of a constructed OCTET STRING"))?,
                );
            }
            return Ok(encode(&[TAG_OCTET_STRING], &value));
        }
        let mut children = children;
        if first == TAG_SET {
            // X.690 §11.6: SET OF components in ascending order of their encodings.
            crate::order::sort_by(&mut children, Ord::cmp);
        }
        Ok(encode(&id, &children.concat()))
    }

    fn children(&mut self, length: Length, depth: usize) -> Result<Vec<Vec<u8>>> {
        let mut children = Vec::new();
        match length {
            Length::Definite(len) => {
                let end = self.end_of(len)?;
                while self.pos < end {
                    children.push(self.element(depth + 1)?);
                }
                if self.pos != end {
                    return Err(self.malformed("element overruns its parent"));
                }
            }
            Length::Indefinite => loop {
                if self.input.get(self.pos..self.pos + 2) == Some(&[0, 0]) {
                    self.pos += 2;
                    break;
                }
                children.push(self.element(depth + 1)?);
            },
        }
        Ok(children)
    }

    fn end_of(&self, len: usize) -> Result<usize> {
        let end = self.pos.checked_add(len).ok_or(self.malformed("length"))?;
        if end > self.input.len() {
            return Err(Error::Truncated { position: self.pos });
        }
        Ok(end)
    }

    fn take(&mut self, len: usize) -> Result<&[u8]> {
        let end = self.end_of(len)?;
        let slice = self
            .input
            .get(self.pos..end)
            .ok_or(Error::Truncated { position: self.pos })?;
        self.pos = end;
        Ok(slice)
    }
}

/// The value of a DER-encoded primitive OCTET STRING, or `None` for anything else.
fn primitive_octets(der: &[u8]) -> Option<&[u8]> {
    if *der.first()? != TAG_OCTET_STRING {
        return None;
    }
    let header_len = match *der.get(1)? {
        0x00..=0x7f => 2,
        b => 2 + usize::from(b & 0x7f),
    };
    der.get(header_len..)
}

/// Identifier + minimal definite length + value.
pub(crate) fn encode(id: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(id.len() + 5 + value.len());
    out.extend_from_slice(id);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_input_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x03, 0x04, 0x01, 0xaa];
        assert_eq!(to_der(&der), Ok(der.to_vec()));
    }

    #[test]
    fn indefinite_lengths_become_definite() {
        let ber = [0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00];
        assert_eq!(to_der(&ber), Ok(vec![0x30, 0x03, 0x02, 0x01, 0x03]));
    }

    #[test]
    fn constructed_octet_strings_are_joined() {
        let ber = [
            0x24, 0x80, 0x04, 0x01, 0xaa, 0x04, 0x02, 0xbb, 0xcc, 0x00, 0x00,
        ];
        assert_eq!(to_der(&ber), Ok(vec![0x04, 0x03, 0xaa, 0xbb, 0xcc]));
    }

    #[test]
    fn long_form_lengths_are_shortened() {
        let ber = [0x04, 0x82, 0x00, 0x01, 0xaa];
        assert_eq!(to_der(&ber), Ok(vec![0x04, 0x01, 0xaa]));
    }

    #[test]
    fn set_of_is_sorted() {
        let ber = [0x31, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03];
        assert_eq!(
            to_der(&ber),
            Ok(vec![0x31, 0x06, 0x02, 0x01, 0x03, 0x02, 0x01, 0x05])
        );
    }

    #[test]
    fn broken_input_gives_specific_errors() {
        assert_eq!(
            to_der(&[0x30, 0x05, 0x02]),
            Err(Error::Truncated { position: 2 })
        );
        assert!(matches!(
            to_der(&[0x04, 0x80]),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            to_der(&[0x30, 0x80, 0x02, 0x01]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            to_der(&[0x04, 0x00, 0x00]),
            Err(Error::Malformed { .. })
        ));
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100).flatten().collect();
        assert!(matches!(
            to_der(&deep),
            Err(Error::Malformed {
                context: "nesting depth",
                ..
            })
        ));
    }
}
