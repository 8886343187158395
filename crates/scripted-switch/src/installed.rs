//! What a switch has installed, for `standardiste check-freeswitch`: its
//! loaded modules (`module_exists`), its dialplan (`xml_locate dialplan`),
//! its music streams (`local_stream show`), and how it treats the shared
//! folders when the check's loopback call (`api originate
//! {…standardiste_check_play=FILE…}loopback/standardiste-check/CONTEXT
//! &record(FILE 3)`) plays one file and records the other. The files are
//! really read and written, as a switch on the same host would.

use std::path::Path;

/// A switch's installation; [`Installed::vanilla`] is one ready for the service.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Loaded modules.
    pub modules: Vec<String>,
    /// The dialplan section, as `xml_locate dialplan` prints it.
    pub dialplan: String,
    /// `local_stream show`'s lines (`name,folder`).
    pub streams: String,
    /// Whether the switch's user may read the prompts folder.
    pub reads_prompts: bool,
    /// Whether it may write the recordings folder.
    pub writes_recordings: bool,
}

/// The dialplan section a switch with the project's kit installed holds:
/// `dialplan/standardiste.xml` in the public context (beside another
/// extension), `dialplan/standardiste-context.xml` as a context of its own.
pub fn kit_dialplan(kit: &Path) -> String {
    let read = |f: &str| std::fs::read_to_string(kit.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let inner = |xml: String| {
        let start = xml.find("<include>").map(|i| i + "<include>".len()).unwrap_or(0);
        let end = xml.rfind("</include>").unwrap_or(xml.len());
        xml[start..end].to_string()
    };
    format!(
        "<section name=\"dialplan\" description=\"Regex/XML Dialplan\">\n<context name=\"public\">\n<extension name=\"unloop\"><condition field=\"${{unroll_loops}}\" expression=\"^true$\"/><condition field=\"${{sip_looped_call}}\" expression=\"^true$\"><action application=\"deflect\" data=\"${{destination_number}}\"/></condition></extension>\n{}\n</context>\n{}\n</section>\n",
        inner(read("standardiste.xml")),
        inner(read("standardiste-context.xml"))
    )
}

impl Installed {
    /// Every module, the project's dialplan, the `moh` stream, the folders
    /// open to the switch.
    pub fn vanilla(kit: &Path) -> Installed {
        Installed {
            modules: ["mod_event_socket", "mod_dptools", "mod_commands", "mod_sndfile", "mod_local_stream", "mod_tone_stream", "mod_loopback", "mod_dialplan_xml"]
                .map(String::from)
                .to_vec(),
            dialplan: kit_dialplan(kit),
            streams: "moh/8000,/usr/share/freeswitch/sounds/music/8000\nmoh/16000,/usr/share/freeswitch/sounds/music/16000\ndefault,/usr/share/freeswitch/sounds/music/8000\n".into(),
            reads_prompts: true,
            writes_recordings: true,
        }
    }

    /// The `api` reply's body for `command` (the line after `api `), or
    /// `None` for a command this does not answer.
    pub fn answer(&self, command: &str) -> Option<String> {
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        match name {
            // As mod_commands answers: `true` or `false`.
            "module_exists" => Some(if self.modules.iter().any(|m| m == rest.trim()) { "true" } else { "false" }.into()),
            "xml_locate" if rest.trim() == "dialplan" => Some(self.dialplan.clone()),
            "local_stream" if rest.trim() == "show" => Some(self.streams.clone()),
            "originate" if rest.contains("loopback/standardiste-check/") => Some(self.check_call(rest)),
            _ => None,
        }
    }

    fn check_call(&self, arg: &str) -> String {
        if !self.modules.iter().any(|m| m == "mod_loopback") {
            return "-ERR CHAN_NOT_IMPLEMENTED\n".into();
        }
        if !self.dialplan.contains("\"^standardiste-check$\"") {
            return "-ERR NO_ROUTE_DESTINATION\n".into();
        }
        let play = arg.split("standardiste_check_play=").nth(1).map(|r| r.split([',', '}']).next().unwrap_or("").to_string()).unwrap_or_default();
        let record = arg.split("&record(").nth(1).and_then(|r| r.split([' ', ')']).next()).unwrap_or("").to_string();
        // What the playing leg sends: the file's samples, or nothing it could not open.
        let heard: Vec<u8> = match std::fs::read(&play) {
            Ok(data) if self.reads_prompts && data.len() > 44 => data[44..].to_vec(),
            _ => vec![0; 1600],
        };
        if self.writes_recordings && !record.is_empty() {
            let _ = std::fs::write(&record, crate::wav_8k_from(&heard));
        }
        format!("+OK {}\n", uuid::Uuid::new_v4())
    }
}
