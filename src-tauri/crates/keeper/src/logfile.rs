//! The keeper's log: the same file the app writes through tauri-plugin-log (src-tauri/src/desktop.rs), so
//! the Logs folder, "Open logs folder" and the support bundle see one history whichever process wrote it.
//!
//! - Folder and limits: gateway-core's `config::folders` (`log_dir`, `LOG_FILE_STEM`, `LOG_FILE_BYTES`,
//!   `KEPT_LOG_FILES`), shared with the app.
//! - Rotation as tauri-plugin-log 2.10 does it (`RotationStrategy::KeepSome`, `FileOpenStrategy::Append`):
//!   a line that would take a non-empty file past the size first sets the file aside as
//!   `<stem>_<UTC yyyy-mm-dd_hh-mm-ss>.log` (an existing one of that name becomes `....log.bak`), keeping the
//!   newest `kept` set-aside files by the date in their names; at start a file already at the size is set
//!   aside, and older set-aside files beyond `kept` are removed.
//! - Lines: `<UTC timestamp> <LEVEL padded to 5> <target> <message>`, to the file and to stderr.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gateway_core::config::folders::{KEPT_LOG_FILES, LOG_FILE_BYTES, LOG_FILE_STEM, this_log_dir};
use log::{LevelFilter, Log, Metadata, Record};

/// The date in a set-aside file's name, as tauri-plugin-log writes it (UTC).
const SET_ASIDE_DATE: &str = "%Y-%m-%d_%H-%M-%S";

/// Levels per target, as the app sets them (src-tauri/src/desktop.rs): Info, and only warnings from the
/// chatty libraries below a desktop app.
const QUIET_TARGETS: &[&str] = &["tao", "wry", "zbus", "tracing"];

/// Why the log file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    /// The platform gives no folder for it (no home or data folder).
    #[error("find the log folder: this user has no data folder")]
    NoFolder,
    /// Creating, opening, writing or setting aside a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Another logger was installed first.
    #[error("install the logger: another one is already installed")]
    AlreadyInstalled,
}

/// The stable kinds of [`LogFileError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFileErrorCode {
    NoLogFolder,
    LogFileIo,
    LoggerAlreadyInstalled,
}

impl LogFileError {
    pub fn code(&self) -> LogFileErrorCode {
        match self {
            LogFileError::NoFolder => LogFileErrorCode::NoLogFolder,
            LogFileError::Io { .. } => LogFileErrorCode::LogFileIo,
            LogFileError::AlreadyInstalled => LogFileErrorCode::LoggerAlreadyInstalled,
        }
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> LogFileError {
    let path = path.to_path_buf();
    move |source| LogFileError::Io {
        action,
        path,
        source,
    }
}

/// Where the file goes, how big it may grow and how many set-aside files stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFileSpec {
    pub dir: PathBuf,
    /// The name without `.log`.
    pub stem: String,
    pub max_bytes: u64,
    pub kept: usize,
}

impl LogFileSpec {
    /// The app's own log file: Tauri's log folder for the app, `Gateway Doctor.log`, 10 MB, 5 kept.
    pub fn app() -> Result<LogFileSpec, LogFileError> {
        Ok(LogFileSpec {
            dir: this_log_dir().ok_or(LogFileError::NoFolder)?,
            stem: LOG_FILE_STEM.to_string(),
            max_bytes: LOG_FILE_BYTES,
            kept: KEPT_LOG_FILES,
        })
    }

    /// The file being written now.
    pub fn current(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.stem))
    }
}

/// The log file, set aside at its size limit.
pub struct RotatingFile {
    spec: LogFileSpec,
    file: File,
    size: u64,
}

impl RotatingFile {
    /// Opens (or creates) the current file for appending, setting it aside first if already full.
    pub fn open(spec: LogFileSpec) -> Result<RotatingFile, LogFileError> {
        fs::create_dir_all(&spec.dir).map_err(io_error("create the log folder", &spec.dir))?;
        let (file, size) = open_current(&spec)?;
        let mut rotating = RotatingFile { spec, file, size };
        if rotating.size >= rotating.spec.max_bytes {
            rotating.set_aside()?;
        }
        remove_old(&rotating.spec, rotating.spec.kept)?;
        Ok(rotating)
    }

    /// Appends one line (a newline is added), setting the file aside first when the line would take a
    /// non-empty file past the size.
    pub fn write_line(&mut self, line: &str) -> Result<(), LogFileError> {
        let bytes = line.len() as u64 + 1;
        if self.size != 0 && self.size + bytes > self.spec.max_bytes {
            self.set_aside()?;
        }
        let path = self.spec.current();
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file
            .write_all(&buf)
            .map_err(io_error("write the log file", &path))?;
        self.size += bytes;
        Ok(())
    }

    fn set_aside(&mut self) -> Result<(), LogFileError> {
        let current = self.spec.current();
        if current.exists() {
            // One of the kept is the file about to be set aside.
            remove_old(&self.spec, self.spec.kept.saturating_sub(1))?;
            let stamp = jiff::Timestamp::now().strftime(SET_ASIDE_DATE).to_string();
            let to = self
                .spec
                .dir
                .join(format!("{}_{stamp}.log", self.spec.stem));
            if to.is_file() {
                let mut bak = to.clone().into_os_string();
                bak.push(".bak");
                fs::rename(&to, &bak).map_err(io_error("set aside the log file", &to))?;
            }
            fs::rename(&current, &to).map_err(io_error("set aside the log file", &current))?;
        }
        let (file, size) = open_current(&self.spec)?;
        self.file = file;
        self.size = size;
        Ok(())
    }
}

fn open_current(spec: &LogFileSpec) -> Result<(File, u64), LogFileError> {
    let path = spec.current();
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_error("open the log file", &path))?;
    let size = file
        .metadata()
        .map_err(io_error("read the log file's size", &path))?
        .len();
    Ok((file, size))
}

/// Removes the oldest set-aside files (by the date in their names) until `keep` remain.
fn remove_old(spec: &LogFileSpec, keep: usize) -> Result<(), LogFileError> {
    let mut set_aside = set_aside_files(spec)?;
    set_aside.sort_by(|a, b| a.1.cmp(&b.1));
    let extra = set_aside.len().saturating_sub(keep);
    for (path, _) in set_aside.into_iter().take(extra) {
        fs::remove_file(&path).map_err(io_error("remove an old log file", &path))?;
    }
    Ok(())
}

/// The set-aside files with the date part of their names: `<stem>_<date>.log`.
fn set_aside_files(spec: &LogFileSpec) -> Result<Vec<(PathBuf, String)>, LogFileError> {
    let entries = fs::read_dir(&spec.dir).map_err(io_error("list the log folder", &spec.dir))?;
    Ok(entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let date = name
                .strip_prefix(spec.stem.as_str())?
                .strip_prefix('_')?
                .strip_suffix(".log")?
                .to_string();
            Some((path, date))
        })
        .collect())
}

/// The level a record of `target` must reach to be logged.
pub fn level_for(target: &str) -> LevelFilter {
    let quiet = QUIET_TARGETS.iter().any(|quiet| {
        target
            .strip_prefix(quiet)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    if quiet {
        LevelFilter::Warn
    } else {
        LevelFilter::Info
    }
}

/// One line of the file and of stderr, as the app writes it.
pub fn stamped(record: &Record<'_>) -> String {
    format!(
        "{} {:<5} {} {}",
        jiff::Timestamp::now(),
        record.level(),
        record.target(),
        record.args()
    )
}

/// What the logger hands every record to (the keeper connects it to the Logs screen's store, which keeps
/// out the records it relayed itself and gateway-core's own, as the app's store dispatch does).
pub type OnRecord = Box<dyn Fn(&Record<'_>) + Send + Sync>;

/// A `log::Log` writing each record to the log file and stderr and handing it to a callback. Without a
/// log file (no folder for it, or it cannot be opened) the other two still get every record.
pub struct KeeperLogger {
    file: Option<Mutex<RotatingFile>>,
    on_record: OnRecord,
}

impl KeeperLogger {
    pub fn new(file: Option<RotatingFile>, on_record: OnRecord) -> KeeperLogger {
        KeeperLogger {
            file: file.map(Mutex::new),
            on_record,
        }
    }

    /// Installs this logger for the rest of the process (once).
    pub fn install(self) -> Result<(), LogFileError> {
        let logger: &'static KeeperLogger = Box::leak(Box::new(self));
        log::set_logger(logger).map_err(|_| LogFileError::AlreadyInstalled)?;
        log::set_max_level(LevelFilter::Info);
        Ok(())
    }
}

impl Log for KeeperLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= level_for(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = stamped(record);
        // stderr may be closed (started from a desktop entry): a failed write there is dropped, not a panic
        // as eprintln! would make it. A line the file refuses has nowhere better to go than stderr.
        let mut stderr = io::stderr().lock();
        match self.file.as_ref().map(Mutex::lock) {
            Some(Ok(mut file)) => {
                if let Err(e) = file.write_line(&line) {
                    let _ = writeln!(stderr, "cannot write the log file: {e}");
                }
            }
            Some(Err(_)) => {
                let _ = writeln!(stderr, "cannot write the log file: a writer panicked");
            }
            None => {}
        }
        let _ = writeln!(stderr, "{line}");
        drop(stderr);
        (self.on_record)(record);
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chatty_libraries_log_warnings_only_and_the_rest_info() {
        assert_eq!(level_for("zbus"), LevelFilter::Warn);
        assert_eq!(level_for("zbus::connection"), LevelFilter::Warn);
        assert_eq!(level_for("tracing"), LevelFilter::Warn);
        assert_eq!(level_for("zbusy"), LevelFilter::Info);
        assert_eq!(level_for("gateway_core::supervisor"), LevelFilter::Info);
    }

    #[test]
    fn a_line_is_stamped_with_level_and_target() {
        let line = stamped(
            &Record::builder()
                .args(format_args!("hello"))
                .level(log::Level::Warn)
                .target("gateway_doctor_keeper")
                .build(),
        );
        let (stamp, rest) = line.split_once(' ').unwrap_or_default();
        assert!(
            stamp.parse::<jiff::Timestamp>().is_ok(),
            "not a timestamp: {stamp}"
        );
        assert_eq!(rest, "WARN  gateway_doctor_keeper hello");
    }
}
