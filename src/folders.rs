//! The folders the service shares with FreeSWITCH — prompts it plays,
//! recordings it writes — hold health data (voices, names, messages): they
//! are made for the service's user alone (0700), or, when FreeSWITCH runs as
//! another user, for a group the two share (`[paths] switch_group`: 2770,
//! group-owned, set-group-id so that what is made inside keeps the group).

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// How the shared folders are made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folders {
    /// The group FreeSWITCH and the service share, if any.
    gid: Option<u32>,
}

impl Folders {
    /// Folders for the service's user alone.
    pub fn private() -> Folders {
        Folders { gid: None }
    }

    /// Folders shared with `group` (a name, looked up as the system does,
    /// through `getent`, or a number); empty: private.
    pub fn for_group(group: &str) -> Result<Folders, String> {
        let group = group.trim();
        if group.is_empty() {
            return Ok(Folders::private());
        }
        if let Ok(gid) = group.parse::<u32>() {
            return Ok(Folders { gid: Some(gid) });
        }
        if group.contains(|c: char| c.is_whitespace() || c == ':' || c.is_control()) {
            return Err(format!("« {group} » is not a group name"));
        }
        let out = std::process::Command::new("getent").args(["group", group]).output().map_err(|e| format!("getent: {e}"))?;
        if !out.status.success() {
            return Err(format!("no group « {group} » on this system"));
        }
        // name:password:gid:members
        let line = String::from_utf8_lossy(&out.stdout);
        line.split(':')
            .nth(2)
            .and_then(|g| g.trim().parse().ok())
            .map(|gid| Folders { gid: Some(gid) })
            .ok_or_else(|| format!("getent group {group}: unreadable answer"))
    }

    /// The mode the folders are given.
    pub fn mode(&self) -> u32 {
        if self.gid.is_some() { 0o2770 } else { 0o700 }
    }

    /// Make `dir` (and its missing parents). A folder made here gets the
    /// mode (and the group); one that was already there is left as it is,
    /// and `Ok(Some(warning))` tells when others may read it.
    pub fn make(&self, dir: &Path) -> io::Result<Option<String>> {
        if dir.is_dir() {
            let meta = std::fs::metadata(dir)?;
            if meta.mode() & 0o007 != 0 {
                return Ok(Some(format!(
                    "{} may be read by every user of this machine (mode {:o}); it holds health data: chmod 700, or 2770 with [paths] switch_group",
                    dir.display(),
                    meta.mode() & 0o7777
                )));
            }
            return Ok(None);
        }
        std::fs::create_dir_all(dir)?;
        if let Some(gid) = self.gid {
            std::os::unix::fs::chown(dir, None, Some(gid))?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(self.mode()))?;
        Ok(None)
    }

    /// `make` off the runtime's threads.
    pub async fn make_async(&self, dir: &Path) -> io::Result<Option<String>> {
        let (me, dir) = (*self, dir.to_path_buf());
        tokio::task::spawn_blocking(move || me.make(&dir)).await.map_err(io::Error::other)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_new_folder_is_the_users_alone_and_an_open_one_is_told() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("recordings/1");
        assert_eq!(Folders::private().make(&dir).unwrap(), None);
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let warning = Folders::private().make(&dir).unwrap().expect("an open folder is told");
        assert!(warning.contains("755"), "{warning}");
        assert_eq!(mode(&dir), 0o755, "an existing folder is not changed");
    }

    #[test]
    fn a_shared_folder_belongs_to_the_group_and_keeps_it_inside() {
        let root = tempfile::tempdir().unwrap();
        // The user's own primary group: chown to it needs no privilege.
        let gid = std::fs::metadata(root.path()).unwrap().gid();
        let folders = Folders::for_group(&gid.to_string()).unwrap();
        let dir = root.path().join("recordings");
        folders.make(&dir).unwrap();
        assert_eq!(mode(&dir), 0o2770);
        assert_eq!(std::fs::metadata(&dir).unwrap().gid(), gid);
        // By name, as the configuration says it.
        let name = String::from_utf8(std::process::Command::new("id").arg("-gn").output().unwrap().stdout).unwrap();
        assert_eq!(Folders::for_group(name.trim()).unwrap(), folders);
        assert!(Folders::for_group("no-such-group-here").unwrap_err().contains("no group"));
        assert!(Folders::for_group("a b").is_err());
        assert_eq!(Folders::for_group("").unwrap(), Folders::private());
    }
}
