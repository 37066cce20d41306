//! The keeper's log file on a real folder: set aside at its size under tauri-plugin-log's names, the kept
//! count, the line format, the level filters, and a folder that cannot be written.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use gateway_doctor_keeper::logfile::{KeeperLogger, LogFileErrorCode, LogFileSpec, RotatingFile};
use log::{Level, Log, Record};

fn spec(dir: &Path, max_bytes: u64, kept: usize) -> LogFileSpec {
    LogFileSpec {
        dir: dir.to_path_buf(),
        stem: "Gateway Doctor".to_string(),
        max_bytes,
        kept,
    }
}

/// The folder's file names, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the folder lists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// True for `Gateway Doctor_<yyyy-mm-dd_hh-mm-ss>.log`, the name tauri-plugin-log sets a file aside under.
fn is_set_aside_name(name: &str) -> bool {
    let Some(date) = name
        .strip_prefix("Gateway Doctor_")
        .and_then(|rest| rest.strip_suffix(".log"))
    else {
        return false;
    };
    date.len() == 19
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 | 13 | 16 => c == '-',
            10 => c == '_',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn the_file_is_set_aside_when_a_line_would_take_it_past_the_size() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let mut file = RotatingFile::open(spec(dir.path(), 100, 5)).expect("opens");
    let line = "x".repeat(29); // 30 bytes with its newline
    for _ in 0..3 {
        file.write_line(&line).expect("writes");
    }
    assert_eq!(names(dir.path()), ["Gateway Doctor.log"]);
    let current = dir.path().join("Gateway Doctor.log");
    assert_eq!(fs::metadata(&current).expect("exists").len(), 90);

    file.write_line("the fourth").expect("writes");
    let names = names(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Gateway Doctor.log".to_string()));
    let aside = names
        .iter()
        .find(|n| n.as_str() != "Gateway Doctor.log")
        .expect("a set-aside file");
    assert!(is_set_aside_name(aside), "{aside}");
    assert_eq!(
        fs::read_to_string(dir.path().join(aside)).expect("reads"),
        format!("{line}\n{line}\n{line}\n")
    );
    assert_eq!(fs::read_to_string(&current).expect("reads"), "the fourth\n");
}

#[test]
fn setting_aside_keeps_the_newest_set_aside_files_by_the_date_in_their_names() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let old = [
        "Gateway Doctor_2026-01-01_00-00-00.log",
        "Gateway Doctor_2026-01-02_00-00-00.log",
        "Gateway Doctor_2026-01-03_00-00-00.log",
    ];
    for name in old {
        fs::write(dir.path().join(name), "old\n").expect("writes");
    }
    // Not the log's: another stem, and a file without a date.
    fs::write(dir.path().join("other.log"), "").expect("writes");
    fs::write(dir.path().join("Gateway Doctor.txt"), "").expect("writes");

    let mut file = RotatingFile::open(spec(dir.path(), 10, 2)).expect("opens");
    // At start the set-aside files beyond the kept count go, oldest first.
    assert_eq!(
        names(dir.path()),
        [
            "Gateway Doctor.log",
            "Gateway Doctor.txt",
            old[1],
            old[2],
            "other.log"
        ]
    );
    file.write_line("123456789").expect("writes"); // exactly the size: stays
    file.write_line("next").expect("writes"); // sets the full file aside
    let names = names(dir.path());
    let aside: Vec<&String> = names.iter().filter(|n| is_set_aside_name(n)).collect();
    assert_eq!(aside.len(), 2, "{names:?}");
    assert_eq!(aside[0], old[2], "the newest old one stays");
    assert!(aside[1].as_str() > old[2], "and the new one: {names:?}");
    assert!(names.contains(&"other.log".to_string()));
    assert!(names.contains(&"Gateway Doctor.txt".to_string()));
}

#[test]
fn a_file_already_full_at_start_is_set_aside_and_a_new_one_begun() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let current = dir.path().join("Gateway Doctor.log");
    fs::write(&current, "y".repeat(50)).expect("writes");
    let mut file = RotatingFile::open(spec(dir.path(), 50, 5)).expect("opens");
    assert_eq!(fs::metadata(&current).expect("exists").len(), 0);
    file.write_line("fresh").expect("writes");
    let names = names(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().any(|n| is_set_aside_name(n)), "{names:?}");
}

#[test]
fn a_file_below_the_size_is_appended_to() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let current = dir.path().join("Gateway Doctor.log");
    fs::write(&current, "from the app\n").expect("writes");
    let mut file = RotatingFile::open(spec(dir.path(), 1000, 5)).expect("opens");
    file.write_line("from the keeper").expect("writes");
    assert_eq!(
        fs::read_to_string(&current).expect("reads"),
        "from the app\nfrom the keeper\n"
    );
}

#[test]
fn the_logger_writes_stamped_lines_of_the_allowed_levels_and_hands_each_to_the_callback() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let file = RotatingFile::open(spec(dir.path(), 10_000, 5)).expect("opens");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let logger = KeeperLogger::new(
        Some(file),
        Box::new(move |record| {
            if let Ok(mut seen) = sink.lock() {
                seen.push(format!("{} {}", record.target(), record.args()));
            }
        }),
    );
    let log = |level: Level, target: &str, text: &str| {
        logger.log(
            &Record::builder()
                .level(level)
                .target(target)
                .args(format_args!("{text}"))
                .build(),
        )
    };
    log(Level::Info, "gateway_doctor_keeper", "tray shown");
    log(Level::Debug, "gateway_doctor_keeper", "too fine");
    log(Level::Info, "zbus::connection", "chatty");
    log(Level::Warn, "zbus::connection", "worth a look");

    let text = fs::read_to_string(dir.path().join("Gateway Doctor.log")).expect("reads");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let rest: Vec<&str> = lines
        .iter()
        .map(|line| {
            let (stamp, rest) = line.split_once(' ').expect("a stamp and the rest");
            assert!(
                stamp.parse::<jiff::Timestamp>().is_ok(),
                "not a timestamp: {stamp}"
            );
            rest
        })
        .collect();
    assert_eq!(
        rest,
        [
            "INFO  gateway_doctor_keeper tray shown",
            "WARN  zbus::connection worth a look"
        ]
    );
    assert_eq!(
        *seen.lock().expect("not poisoned"),
        [
            "gateway_doctor_keeper tray shown",
            "zbus::connection worth a look"
        ]
    );
}

#[test]
fn a_folder_that_cannot_be_made_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let blocker = dir.path().join("not-a-folder");
    fs::write(&blocker, "").expect("writes");
    let Err(e) = RotatingFile::open(spec(&blocker.join("logs"), 100, 5)) else {
        panic!("a folder under a file opened");
    };
    assert_eq!(e.code(), LogFileErrorCode::LogFileIo);
    let said = e.to_string();
    assert!(said.starts_with("create the log folder "), "{said}");
    assert!(said.contains("not-a-folder"), "{said}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_app_spec_is_the_apps_log_file() {
    let spec = LogFileSpec::app().expect("this user has a data folder");
    assert!(
        spec.current()
            .ends_with("app.gatewaydoctor.desktop/logs/Gateway Doctor.log"),
        "{}",
        spec.current().display()
    );
    assert_eq!((spec.max_bytes, spec.kept), (10_000_000, 5));
}
