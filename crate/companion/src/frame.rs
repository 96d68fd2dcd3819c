//! Chrome's native messaging frames: each message is UTF-8 JSON preceded by its length as a
//! 32-bit unsigned integer in the machine's byte order, both ways on stdin/stdout. Chrome
//! refuses a message from a host over 1 MB; it may send up to 4 GB, so the companion caps what
//! it reads far lower (a renewed `.p12` is at most 1 MiB, base64 and JSON around it).

use std::io::{self, Read, Write};

/// The largest message Chrome accepts from a host.
pub const MAX_OUTGOING: usize = 1024 * 1024;
/// The largest message the companion reads: a 1 MiB file in base64 with room for the rest.
pub const MAX_INCOMING: usize = 2 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The length prefix names more than the cap; the message is not read.
    TooLarge {
        /// The length announced.
        len: u64,
        /// The cap.
        max: usize,
    },
    /// The stream ended inside a frame.
    Truncated,
    /// Reading or writing failed.
    Io(io::Error),
}

/// Reads one message; `Ok(None)` when the stream ends between messages (Chrome closed it).
pub fn read_frame(reader: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(FrameError::Io(err)),
        }
    }
    let len = u32::from_ne_bytes(prefix);
    let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
    if len_usize > max {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
            max,
        });
    }
    let mut body = vec![0u8; len_usize];
    reader
        .read_exact(&mut body)
        .map_err(|err| match err.kind() {
            io::ErrorKind::UnexpectedEof => FrameError::Truncated,
            _ => FrameError::Io(err),
        })?;
    Ok(Some(body))
}

/// Writes one message, refusing one Chrome would refuse.
pub fn write_frame(writer: &mut impl Write, body: &[u8]) -> Result<(), FrameError> {
    if body.len() > MAX_OUTGOING {
        return Err(FrameError::TooLarge {
            len: body.len() as u64,
            max: MAX_OUTGOING,
        });
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge {
        len: body.len() as u64,
        max: MAX_OUTGOING,
    })?;
    writer
        .write_all(&len.to_ne_bytes())
        .and_then(|()| writer.write_all(body))
        .and_then(|()| writer.flush())
        .map_err(FrameError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, body).expect("written");
        out
    }

    #[test]
    fn a_frame_reads_back_as_written_and_the_stream_may_end_between_frames() {
        let mut stream = [framed(b"{\"type\":\"version\"}"), framed(b"{}")].concat();
        let mut reader = stream.as_slice();
        assert_eq!(
            read_frame(&mut reader, MAX_INCOMING)
                .expect("first")
                .as_deref(),
            Some(&b"{\"type\":\"version\"}"[..])
        );
        assert_eq!(
            read_frame(&mut reader, MAX_INCOMING)
                .expect("second")
                .as_deref(),
            Some(&b"{}"[..])
        );
        assert!(
            read_frame(&mut reader, MAX_INCOMING)
                .expect("end")
                .is_none()
        );
        stream.truncate(stream.len() - 1);
        let mut cut = &stream[stream.len() - 5..];
        assert!(matches!(
            read_frame(&mut cut, MAX_INCOMING),
            Err(FrameError::Truncated)
        ));
    }

    #[test]
    fn an_oversized_frame_is_refused_before_it_is_read() {
        let huge = u32::MAX.to_ne_bytes();
        let mut reader = &huge[..];
        assert!(matches!(
            read_frame(&mut reader, MAX_INCOMING),
            Err(FrameError::TooLarge { len, .. }) if len == u64::from(u32::MAX)
        ));
        let mut sink = Vec::new();
        assert!(matches!(
            write_frame(&mut sink, &vec![b' '; MAX_OUTGOING + 1]),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(sink.is_empty(), "nothing half-written");
        let mut short = &[1u8, 0][..];
        assert!(matches!(
            read_frame(&mut short, MAX_INCOMING),
            Err(FrameError::Truncated)
        ));
    }
}
