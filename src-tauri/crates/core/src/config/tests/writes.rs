//! The settings file's writes (real files in a temp dir): atomic, keeping unknown keys, refusing to
//! overwrite a corrupt file, losing no key to concurrent saves, and a reset that keeps a backup.

use super::*;

/// Nothing but the settings file and its lock is left in `dir`: no temp file of a write.
fn assert_no_temp_files(dir: &std::path::Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "settings.json" && name != "settings.json.lock")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp files left behind: {leftovers:?}"
    );
}

#[test]
fn writing_settings_is_atomic_and_keeps_unknown_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested").join("settings.json");
    write_settings(
        &path,
        &settings_map(json!({"port": 4002, "theme": "dark", "future_key": {"a": 1}})),
    )
    .expect("first write");
    write_settings(&path, &settings_map(json!({"port": 7497, "theme": null})))
        .expect("second write");
    let text = std::fs::read_to_string(&path).expect("read back");
    let value: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value, json!({"port": 7497, "future_key": {"a": 1}}));
    assert_no_temp_files(path.parent().expect("dir"));
}

#[test]
fn writing_over_a_corrupt_file_refuses_instead_of_losing_it() {
    let (_dir, path) = settings_file("{oops");
    assert!(write_settings(&path, &settings_map(json!({"port": 4002}))).is_err());
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "{oops",
        "the user's file is untouched"
    );
}

/// Set in a child process of the concurrent-save test: the path it saves to and its name.
const WRITER_ENV: &str = "GATEWAY_DOCTOR_TEST_SETTINGS_WRITER";
const SAVES_EACH: usize = 40;

fn save_many(path: &std::path::Path, who: &str) {
    for n in 0..SAVES_EACH {
        write_settings(path, &settings_map(json!({ format!("{who}_{n}"): n })))
            .unwrap_or_else(|e| panic!("{who} save {n}: {e}"));
    }
}

#[test]
fn concurrent_saves_from_two_threads_and_two_processes_lose_no_key() {
    const NAME: &str =
        "config::tests::writes::concurrent_saves_from_two_threads_and_two_processes_lose_no_key";
    // In a child process: be one of the writers, and only that.
    if let Ok(spec) = std::env::var(WRITER_ENV) {
        let (who, path) = spec.split_once('=').expect("who=path");
        save_many(std::path::Path::new(path), who);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("settings.json");
    write_settings(&path, &settings_map(json!({"port": 4002}))).expect("first write");
    let exe = std::env::current_exe().expect("this test binary");
    let children: Vec<_> = ["proc_a", "proc_b"]
        .iter()
        .map(|who| {
            std::process::Command::new(&exe)
                .args(["--exact", NAME, "--test-threads", "1", "--quiet"])
                .env(WRITER_ENV, format!("{who}={}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn a writer process")
        })
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writers: Vec<_> = ["thread_a", "thread_b"]
            .iter()
            .map(|who| scope.spawn(|| save_many(&path, who)))
            .collect();
        // A reader all along: the file is always whole JSON, never half written.
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).expect("the file is always there");
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("a corrupt file was seen: {e}: {text:?}"));
                reads += 1;
            }
            reads
        });
        // Every writer is waited for before the reader stops, and only then is anything asserted: a failed
        // save must fail the test, not leave the reader running.
        let threads_ok: Vec<bool> = writers.into_iter().map(|w| w.join().is_ok()).collect();
        let processes_ok: Vec<bool> = children
            .into_iter()
            .map(|mut child| child.wait().is_ok_and(|status| status.success()))
            .collect();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let reads = reader.join();
        assert_eq!(threads_ok, [true, true], "a thread's save failed");
        assert_eq!(processes_ok, [true, true], "a process's save failed");
        assert!(reads.expect("no corrupt file was read") > 0);
    });
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let saved = saved.as_object().expect("an object");
    for who in ["thread_a", "thread_b", "proc_a", "proc_b"] {
        for n in 0..SAVES_EACH {
            assert_eq!(
                saved.get(&format!("{who}_{n}")),
                Some(&json!(n)),
                "{who}_{n} was lost"
            );
        }
    }
    assert_eq!(saved.get("port"), Some(&json!(4002)));
    assert_no_temp_files(dir.path());
}

#[test]
fn reset_keeps_a_backup_and_leaves_an_empty_object() {
    let (_dir, path) = settings_file("{oops");
    let backup = reset_settings(&path)
        .expect("reset")
        .expect("a backup of the old file");
    let name = backup
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("settings.json.bak-"), "{name}");
    assert_eq!(std::fs::read_to_string(&backup).expect("backup"), "{oops");
    let now: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(now, json!({}));
    let second = reset_settings(&path).expect("reset").expect("a backup");
    assert_ne!(second, backup, "a second reset keeps the first backup");
    assert!(backup.exists());
}
