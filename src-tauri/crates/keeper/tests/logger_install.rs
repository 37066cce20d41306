//! The keeper's logger installed for a whole process (its own test binary: a logger is installed once per
//! process): `log` macros reach the file and the callback, and a second install is refused by name.

use std::sync::{Arc, Mutex};

use gateway_doctor_keeper::logfile::{KeeperLogger, LogFileErrorCode, LogFileSpec, RotatingFile};

fn logger(dir: &std::path::Path, sink: Arc<Mutex<Vec<String>>>) -> KeeperLogger {
    let spec = LogFileSpec {
        dir: dir.to_path_buf(),
        stem: "Gateway Doctor".to_string(),
        max_bytes: 10_000,
        kept: 5,
    };
    KeeperLogger::new(
        Some(RotatingFile::open(spec).expect("opens")),
        Box::new(move |record| {
            if let Ok(mut seen) = sink.lock() {
                seen.push(record.args().to_string());
            }
        }),
    )
}

#[test]
fn installed_once_it_takes_the_log_macros_and_a_second_install_is_refused() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let seen = Arc::new(Mutex::new(Vec::new()));
    logger(dir.path(), seen.clone())
        .install()
        .expect("the first logger installs");

    log::info!("the keeper started");
    log::debug!("below the level");
    let text = std::fs::read_to_string(dir.path().join("Gateway Doctor.log")).expect("reads");
    assert!(
        text.lines()
            .any(|l| l.ends_with(" INFO  logger_install the keeper started")),
        "{text}"
    );
    assert!(!text.contains("below the level"), "{text}");
    assert_eq!(*seen.lock().expect("not poisoned"), ["the keeper started"]);

    let Err(e) = logger(dir.path(), Arc::default()).install() else {
        panic!("a second logger installed");
    };
    assert_eq!(e.code(), LogFileErrorCode::LoggerAlreadyInstalled);
}
