//! Where this workspace's binaries are: `target/<profile>/`, the parent of the directory the running
//! program is in (test executables live in `deps/`, examples in `examples/`).

use std::path::PathBuf;

use crate::StartError;

/// `target/<profile>/`, found from the running program's own path.
pub fn target_dir() -> Result<PathBuf, StartError> {
    let exe = std::env::current_exe().map_err(|_| StartError::NoTargetDir {
        exe: PathBuf::from("?"),
    })?;
    exe.parent()
        .and_then(|dir| dir.parent())
        .map(PathBuf::from)
        .ok_or(StartError::NoTargetDir { exe })
}

/// The path of binary `name` of this workspace, checked to exist.
pub fn locate(name: &str) -> Result<PathBuf, StartError> {
    let path = target_dir()?.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(StartError::Missing { path })
    }
}

/// [`locate`], panicking with its message: the tests' precondition.
pub fn bin(name: &str) -> PathBuf {
    locate(name).unwrap_or_else(|e| panic!("{e}"))
}
