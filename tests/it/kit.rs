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

/// `standardiste check-freeswitch` against a scripted switch with the kit
/// installed, then with one thing wrong at a time: each item passes, then
/// fails with its message and fix.
mod check_freeswitch {
    use std::path::Path;
    use std::sync::Arc;

    use crate::common::{self, Installed, SWITCH_PASSWORD, Switchboard};
    use standardiste::config::Config;
    use standardiste::freeswitch::check::{Finding, check};

    fn kit() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/dialplan"))
    }

    /// A switch with `installed`, a configuration pointing at it (the
    /// service's address as the kit's dialplan names it) and the demo
    /// practice's numbers.
    async fn switch(installed: Installed, dir: &Path) -> (Arc<Switchboard>, Config, Vec<(String, String)>) {
        let board = Switchboard::new(SWITCH_PASSWORD);
        board.install(installed);
        let mut config = common::test_config(dir);
        config.freeswitch.port = board.listen().await.unwrap();
        config.server.listen = "127.0.0.1:8084".into();
        let store = standardiste::service::open_store(&config).unwrap();
        let numbers = store.run_sync(|db| db.practice_numbers()).unwrap();
        (board, config, numbers)
    }

    fn item<'a>(findings: &'a [Finding], starts: &str) -> &'a Finding {
        findings.iter().find(|f| f.item.starts_with(starts)).unwrap_or_else(|| panic!("no item {starts}: {findings:#?}"))
    }

    fn failing(findings: &[Finding]) -> Vec<&Finding> {
        findings.iter().filter(|f| !f.ok).collect()
    }

    #[tokio::test]
    async fn a_switch_with_the_kit_passes_every_item() {
        let dir = tempfile::tempdir().unwrap();
        let (_board, config, numbers) = switch(Installed::vanilla(kit()), dir.path()).await;
        assert_eq!(numbers, vec![("1000".to_string(), "Cabinet médical des Tilleuls".to_string())]);
        let f = check(&config, &numbers).await;
        assert!(failing(&f).is_empty(), "{f:#?}");
        for module in standardiste::freeswitch::check::MODULES.map(|m| m.0) {
            assert!(item(&f, &format!("module {module}")).ok);
        }
        assert!(item(&f, "number 1000").detail.contains("context public, extension standardiste-practices"), "{f:#?}");
        for it in ["socket_resume for 1000", "context standardiste", "music on hold", "recordings folder", "prompts folder"] {
            assert!(item(&f, it).ok);
        }
        // The check leaves no file behind.
        for d in [&config.paths.prompts, &config.paths.recordings] {
            let left: Vec<_> =
                std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n.to_string_lossy().starts_with("standardiste-check")).collect();
            assert!(left.is_empty(), "{left:?}");
        }
    }

    #[tokio::test]
    async fn each_thing_wrong_fails_its_item_with_a_fix() {
        let vanilla = Installed::vanilla(kit());
        let cases: Vec<(&str, Installed, &str, &str, &str)> = vec![
            (
                "a module not loaded",
                Installed { modules: vanilla.modules.iter().filter(|m| *m != "mod_tone_stream").cloned().collect(), ..vanilla.clone() },
                "module mod_tone_stream",
                "not loaded",
                "modules.conf.xml",
            ),
            (
                "the number not in the dialplan",
                Installed { dialplan: vanilla.dialplan.replace("^(1000|0478000000)$", "^(0478000000)$"), ..vanilla.clone() },
                "number 1000",
                "no extension matches it",
                "add 1000 to the expression",
            ),
            (
                "socket_resume not set",
                Installed { dialplan: vanilla.dialplan.replace(r#"<action application="set" data="socket_resume=true"/>"#, ""), ..vanilla.clone() },
                "socket_resume for 1000",
                "not set before the socket",
                "socket_resume=true",
            ),
            (
                "the socket to another port",
                Installed { dialplan: vanilla.dialplan.replace("127.0.0.1:8084 async full", "127.0.0.1:9999 async full"), ..vanilla.clone() },
                "number 1000",
                "does not hand it to 127.0.0.1:8084",
                "dialplan/standardiste.xml",
            ),
            (
                "no music class",
                Installed { streams: "default,/usr/share/freeswitch/sounds/music/8000\n".into(), ..vanilla.clone() },
                "music on hold",
                "no local stream moh",
                "local_stream.conf.xml",
            ),
            ("prompts unreadable to the switch", Installed { reads_prompts: false, ..vanilla.clone() }, "prompts folder", "silent", "readable by FreeSWITCH"),
            (
                "recordings unwritable to the switch",
                Installed { writes_recordings: false, ..vanilla.clone() },
                "recordings folder",
                "cannot write it",
                "switch_group",
            ),
            (
                "the check extension not installed",
                Installed { dialplan: vanilla.dialplan.replace("^standardiste-check$", "^nothing$"), ..vanilla.clone() },
                "folders",
                "no route",
                "standardiste-context.xml",
            ),
        ];
        for (what, installed, it, detail, fix) in cases {
            let dir = tempfile::tempdir().unwrap();
            let (_board, config, numbers) = switch(installed, dir.path()).await;
            let f = check(&config, &numbers).await;
            let bad = failing(&f);
            assert_eq!(bad.len(), 1, "{what}: one item fails: {bad:#?}");
            assert!(bad[0].item.starts_with(it), "{what}: {bad:#?}");
            assert!(bad[0].detail.contains(detail), "{what}: {bad:#?}");
            assert!(bad[0].fix.as_deref().unwrap_or("").contains(fix), "{what}: {bad:#?}");
        }
    }

    #[tokio::test]
    async fn a_wrong_password_or_no_switch_is_said_with_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let (_board, mut config, numbers) = switch(Installed::vanilla(kit()), dir.path()).await;
        config.freeswitch.password = "not-the-one".into();
        let f = check(&config, &numbers).await;
        assert_eq!(f.len(), 1);
        assert!(!f[0].ok && f[0].detail.contains("could not log in") && f[0].fix.as_deref().unwrap().contains("event_socket.conf.xml"), "{f:#?}");
        config.freeswitch.port = common::dead_port();
        let f = check(&config, &numbers).await;
        assert!(!f[0].ok && f[0].item.starts_with("Event Socket"), "{f:#?}");
    }

    /// The command as the administrator runs it: its lines and exit status.
    #[tokio::test]
    async fn the_command_prints_each_item_and_fails_when_one_does() {
        for (installed, success) in [(Installed::vanilla(kit()), true), (Installed { streams: String::new(), ..Installed::vanilla(kit()) }, false)] {
            let dir = tempfile::tempdir().unwrap();
            let (_board, config, _) = switch(installed, dir.path()).await;
            let file = dir.path().join("standardiste.toml");
            std::fs::write(
                &file,
                format!(
                    "[server]\nlisten = \"127.0.0.1:8084\"\n\n[freeswitch]\nhost = \"127.0.0.1\"\nport = {}\npassword = \"{SWITCH_PASSWORD}\"\n\n[database]\npath = \"{}\"\n\n[paths]\nprompts = \"{}\"\nrecordings = \"{}\"\n",
                    config.freeswitch.port,
                    config.database.path.display(),
                    config.paths.prompts.display(),
                    config.paths.recordings.display()
                ),
            )
            .unwrap();
            let out =
                tokio::process::Command::new(env!("CARGO_BIN_EXE_standardiste")).arg("--config").arg(&file).arg("check-freeswitch").output().await.unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.success(), success, "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
            assert!(stdout.contains("ok   module mod_sndfile: loaded"), "{stdout}");
            assert!(stdout.contains("ok   number 1000 (Cabinet médical des Tilleuls)"), "{stdout}");
            if success {
                assert!(stdout.contains("FreeSWITCH is ready for standardiste"), "{stdout}");
            } else {
                assert!(stdout.contains("FAIL music on hold: no local stream moh") && stdout.contains("     fix: add the <directory name=\"moh\""), "{stdout}");
                assert!(String::from_utf8_lossy(&out.stderr).contains("1 of"), "{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}
