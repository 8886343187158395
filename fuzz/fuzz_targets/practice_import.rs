//! A practice's JSON as `standardiste import` reads it: parsed, then imported
//! into a real store (in a transaction: refused whole, or taken), never a
//! panic; what was taken exports again. Seed: the demo practice's export.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static DB: OnceLock<(Mutex<standardiste::store::Db>, tempfile::TempDir)> = OnceLock::new();
    let (db, _) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = standardiste::store::Db::open(&dir.path().join("import.sqlite")).unwrap();
        (Mutex::new(db), dir)
    });
    let Ok(doc) = serde_json::from_slice::<standardiste::store::export::PracticeExport>(data) else { return };
    let mut db = db.lock().unwrap_or_else(|p| p.into_inner());
    if db.import_practice(&doc).is_ok() {
        db.export_practice(&doc.name).expect("an imported practice exports");
    }
});
