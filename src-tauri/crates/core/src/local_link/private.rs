//! Where the link lives and the checks that keep it to this user: the directory must be ours and 0700, the
//! socket file ours, and the peer on the other end must run as our uid.

use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::{LinkError, SOCKET_NAME};

/// This process's real uid.
pub fn own_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// The link directory of this user: [`link_dir_in`] with `$XDG_RUNTIME_DIR`, the temp dir and our uid.
pub fn link_dir() -> PathBuf {
    link_dir_in(
        std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
        &std::env::temp_dir(),
        own_uid(),
    )
}

/// `<runtime>/gateway-doctor` when `runtime` (`$XDG_RUNTIME_DIR`) is an absolute path (the runtime dir is
/// the user's own, 0700, by the XDG spec: Linux desktops set it), else `gateway-doctor-<uid>` under `temp`.
/// On macOS the variable is unset and the temp dir is `$TMPDIR`, a folder of this user's own under
/// /var/folders, short enough for a socket path (at most 104 bytes there).
pub fn link_dir_in(runtime: Option<PathBuf>, temp: &Path, uid: u32) -> PathBuf {
    match runtime.filter(|p| p.is_absolute()) {
        Some(runtime) => runtime.join("gateway-doctor"),
        None => temp.join(format!("gateway-doctor-{uid}")),
    }
}

/// The socket's path in [`link_dir`].
pub fn socket_path() -> PathBuf {
    link_dir().join(SOCKET_NAME)
}

fn unsafe_path(path: &Path, why: impl Into<String>) -> LinkError {
    LinkError::Unsafe {
        path: path.display().to_string(),
        why: why.into(),
    }
}

/// Refuses a directory that is a symlink, not ours, or open to anyone else (a shared temp dir could hold one
/// planted by another user).
pub fn check_private_dir(dir: &Path) -> Result<(), LinkError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|source| LinkError::Io {
        about: "read the link directory",
        source,
    })?;
    if !meta.file_type().is_dir() {
        return Err(unsafe_path(dir, "it is not a directory"));
    }
    let own = own_uid();
    if meta.uid() != own {
        return Err(unsafe_path(
            dir,
            format!("it belongs to uid {}, not {own}", meta.uid()),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(unsafe_path(
            dir,
            format!("its mode is {:o}, not 700", meta.mode() & 0o777),
        ));
    }
    Ok(())
}

/// Creates the link directory 0700 if missing, then checks it.
pub(super) fn ensure_private_dir(dir: &Path) -> Result<(), LinkError> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|source| LinkError::Io {
            about: "create the runtime directory",
            source,
        })?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(LinkError::Io {
                about: "create the link directory",
                source,
            });
        }
    }
    check_private_dir(dir)
}

/// Refuses a socket file that is not a socket or not ours.
pub fn check_socket_file(path: &Path) -> Result<(), LinkError> {
    let meta = std::fs::symlink_metadata(path).map_err(|source| LinkError::Io {
        about: "read the link socket",
        source,
    })?;
    if !meta.file_type().is_socket() {
        return Err(unsafe_path(path, "it is not a socket"));
    }
    let own = own_uid();
    if meta.uid() != own {
        return Err(unsafe_path(
            path,
            format!("it belongs to uid {}, not {own}", meta.uid()),
        ));
    }
    Ok(())
}

/// The server's rule: answer only a peer whose uid the kernel reports (SO_PEERCRED) and that is ours.
pub fn check_peer(peer: Option<u32>, own: u32) -> Result<(), LinkError> {
    match peer {
        Some(uid) if uid == own => Ok(()),
        _ => Err(LinkError::PeerRefused { peer, own }),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_link_lives_in_the_runtime_dir_else_in_a_per_user_temp_folder() {
        let temp = Path::new("/var/folders/ab/cd/T");
        assert_eq!(
            link_dir_in(Some(PathBuf::from("/run/user/1000")), temp, 1000),
            Path::new("/run/user/1000/gateway-doctor")
        );
        // macOS: no XDG_RUNTIME_DIR, the user's own $TMPDIR.
        assert_eq!(
            link_dir_in(None, temp, 501),
            Path::new("/var/folders/ab/cd/T/gateway-doctor-501")
        );
        // A relative runtime dir would depend on where the program was started: not used.
        assert_eq!(
            link_dir_in(Some(PathBuf::from("run")), Path::new("/tmp"), 1000),
            Path::new("/tmp/gateway-doctor-1000")
        );
    }

    #[test]
    fn a_peer_of_another_user_or_of_unknown_uid_is_refused() {
        assert!(check_peer(Some(1000), 1000).is_ok());
        assert!(matches!(
            check_peer(Some(0), 1000),
            Err(LinkError::PeerRefused {
                peer: Some(0),
                own: 1000
            })
        ));
        assert!(matches!(
            check_peer(Some(1001), 1000),
            Err(LinkError::PeerRefused { .. })
        ));
        assert!(matches!(
            check_peer(None, 1000),
            Err(LinkError::PeerRefused { peer: None, .. })
        ));
    }

    #[test]
    fn a_directory_others_can_enter_is_refused_and_a_private_one_accepted() {
        let base = tempfile::tempdir().expect("temp dir");
        let dir = base.path().join("gateway-doctor");
        ensure_private_dir(&dir).expect("created private");
        assert_eq!(
            std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777,
            0o700
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = check_private_dir(&dir).expect_err("755 is not private");
        assert!(err.to_string().contains("not 700"), "{err}");
        assert!(
            ensure_private_dir(&dir).is_err(),
            "an existing open dir is not fixed up silently"
        );
    }

    #[test]
    fn a_symlinked_directory_or_a_plain_file_is_not_a_socket_we_trust() {
        let base = tempfile::tempdir().expect("temp dir");
        let real = base.path().join("real");
        ensure_private_dir(&real).expect("created");
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert!(check_private_dir(&link).is_err(), "a symlink is refused");
        let file = real.join(SOCKET_NAME);
        std::fs::write(&file, b"").expect("write");
        let err = check_socket_file(&file).expect_err("a plain file");
        assert!(err.to_string().contains("not a socket"), "{err}");
    }
}
