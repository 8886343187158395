//! The configuration file: any text is read into a configuration or a list
//! of problems, each with its line, never a panic. Seed: the example file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match standardiste::config::Config::parse(text) {
            Ok(config) => {
                let _ = config.warnings();
                let _ = config.listen_addr();
                let _ = config.call_deadline();
            }
            Err(problems) => assert!(!problems.is_empty()),
        }
    }
});
