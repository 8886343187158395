//! The FreeSWITCH kit a PBX administrator copies (`dialplan/`,
//! `freeswitch-conf/`): every file is well-formed XML, as FreeSWITCH's own
//! parser demands at `reloadxml` (one bad file and the switch refuses the
//! whole new configuration), read here by an independent parser, roxmltree,
//! which holds to the specification's comments too: no `--` inside one (a
//! command line quoted in a comment broke a real switch that way).

use std::path::{Path, PathBuf};

fn kit_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["dialplan", "freeswitch-conf", "deploy"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "xml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// What is wrong with one file, if anything.
fn problems(text: &str) -> Vec<String> {
    match roxmltree::Document::parse(text) {
        Ok(_) => Vec::new(),
        Err(e) => vec![format!("not well-formed: {e}")],
    }
}

#[test]
fn every_file_of_the_kit_is_xml_that_freeswitch_accepts() {
    let files = kit_files();
    assert!(files.len() >= 5, "the kit: {files:?}");
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for p in problems(&text) {
            bad.push(format!("{}: {p}", f.display()));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_check_sees_what_broke_a_real_switch() {
    // The directory sample as it was: a command's options in a comment.
    let broken = "<!--\n  standardiste secretary add ana --name \"Ana Martin\"\n-->\n<include><user id=\"1101\"/></include>";
    assert!(problems(broken).iter().any(|p| p.contains("comment")), "{:?}", problems(broken));
    assert!(problems("<include><user id=\"1101\"></include>").iter().any(|p| p.contains("not well-formed")));
    assert!(problems("<!-- fine -->\n<include><user id=\"1101\"/></include>").is_empty());
}
