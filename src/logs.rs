//! The service's log: every line, at every level and from every crate
//! (the Event Socket's frames included, at debug level), goes through
//! [`agenda::phone::mask_digits`](crate::agenda::phone::mask_digits) before
//! it is written, so that no full phone number reaches a log file,
//! journald or a log shipper. Fields that hold a number are also written
//! `Masked(&number)` where they are logged; this is the net under them.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::agenda::phone::mask_digits;

/// A writer that masks phone numbers in what it is given, then writes it.
pub struct MaskingWriter<W: Write> {
    inner: W,
}

impl<W: Write> Write for MaskingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The formatter writes one whole event at a time.
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(mask_digits(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Standard error, masked.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaskedStderr;

impl<'a> MakeWriter<'a> for MaskedStderr {
    type Writer = MaskingWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        MaskingWriter { inner: io::stderr() }
    }
}

/// The test harness's writer (captured per test), masked too.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaskedTestWriter;

impl<'a> MakeWriter<'a> for MaskedTestWriter {
    type Writer = MaskingWriter<tracing_subscriber::fmt::TestWriter>;

    fn make_writer(&'a self) -> Self::Writer {
        MaskingWriter { inner: tracing_subscriber::fmt::TestWriter::new() }
    }
}

/// Log to standard error, masked, at `RUST_LOG`'s levels (info by default),
/// as text or as one JSON object a line (with the call's span: its uuid,
/// practice and masked caller).
pub fn init(format: crate::config::LogFormat) {
    let filter = || tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,freeswitch_esl_tokio=error".into());
    match format {
        crate::config::LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter()).with_writer(MaskedStderr).init(),
        crate::config::LogFormat::Json => {
            tracing_subscriber::fmt().json().with_current_span(true).with_span_list(false).with_env_filter(filter()).with_writer(MaskedStderr).init()
        }
    }
}
