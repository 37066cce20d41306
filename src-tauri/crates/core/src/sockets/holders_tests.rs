//! The holder of a client id and its words, on hand-made ledgers.

use gateway_proto::{SocketEntry, TcpState};

use super::*;

fn entry(
    pid: Option<u32>,
    cmdline: &str,
    own: bool,
    id: Option<i64>,
    source: ClientIdSource,
) -> LedgerEntry {
    let cmdline: Vec<String> = cmdline.split_whitespace().map(String::from).collect();
    LedgerEntry {
        connection: SocketEntry {
            local_addr: "127.0.0.1".into(),
            local_port: 50000 + pid.map_or(0, |p| u16::try_from(p).unwrap_or(0)),
            remote_addr: "127.0.0.1".into(),
            remote_port: 4002,
            state: TcpState::Established,
            inode: u64::from(pid.unwrap_or(1)) * 100,
            uid: 1000,
            pids: pid.into_iter().collect(),
        },
        process: pid.map(|pid| ProcessInfo {
            pid,
            name: cmdline
                .first()
                .map_or("x", |c| c.rsplit('/').next().unwrap_or(c))
                .into(),
            cmdline,
            uid: 1000,
            owner_sid: None,
            user: None,
            start_ticks: 1,
            started_at_ms: 1,
            is_gateway: false,
            product: None,
            has_live_session: false,
        }),
        is_own_worker: own,
        client_id: id,
        client_id_source: source,
    }
}

fn ledger(entries: Vec<LedgerEntry>) -> ClientLedger {
    ClientLedger {
        port: 4002,
        entries,
        ..ClientLedger::default()
    }
}

#[test]
fn the_holder_is_the_program_seen_using_the_id_never_our_own_worker() {
    let l = ledger(vec![
        entry(
            Some(20),
            "/opt/gd/gateway-worker",
            true,
            Some(7),
            ClientIdSource::Environment,
        ),
        entry(
            Some(10),
            "/usr/bin/python3 /home/me/bot.py --live",
            false,
            Some(7),
            ClientIdSource::Environment,
        ),
        entry(
            Some(30),
            "java -jar other.jar --client-id 9",
            false,
            Some(9),
            ClientIdSource::CommandLine,
        ),
        entry(None, "", false, None, ClientIdSource::NotVisible),
    ]);
    let pids: Vec<_> = holders_of(&l, 7)
        .iter()
        .map(|e| e.process.as_ref().map(|p| p.pid))
        .collect();
    assert_eq!(pids, [Some(10)]);
    assert!(holders_of(&l, 8).is_empty());

    let words = client_id_holders(&l, 7);
    assert_eq!(
        words.summary,
        "python3 (python3 bot.py --live) uses client id 7 (seen in its environment)."
    );
    assert_eq!(words.holder_name.as_deref(), Some("python3"));
    assert!(
        words.candidates.is_empty(),
        "a holder is seen: no candidates"
    );
    assert_eq!(words.details.len(), 1);
    assert!(
        words.details[0].contains("pid 10") && words.details[0].contains("IBKR_CLIENT_ID=7"),
        "{:?}",
        words.details
    );

    let by_flag = client_id_holders(&l, 9);
    assert_eq!(
        by_flag.summary,
        "java (java -jar other.jar --client-id 9) uses client id 9 (seen in its command line)."
    );
}

#[test]
fn no_holder_seen_says_so_and_lists_the_connected_programs_as_candidates() {
    let l = ledger(vec![
        entry(
            Some(20),
            "gateway-worker",
            true,
            Some(7431),
            ClientIdSource::Environment,
        ),
        entry(
            Some(10),
            "python3 bot.py",
            false,
            None,
            ClientIdSource::NotVisible,
        ),
        entry(None, "", false, None, ClientIdSource::NotVisible),
    ]);
    let words = client_id_holders(&l, 7431);
    assert!(
        words.holders.is_empty(),
        "our own session is not the holder"
    );
    assert_eq!(words.holder_name, None);
    assert!(
        words
            .summary
            .starts_with("No program on this computer shows client id 7431")
            && words.summary.contains("another computer")
            && words.summary.contains("listed below"),
        "{}",
        words.summary
    );
    assert_eq!(
        words.candidate_lines,
        [
            "python3 (python3 bot.py), client id not visible",
            "A program of another user, client id not visible"
        ]
    );
    assert_eq!(words.details.len(), 2);
    for text in [&words.summary].into_iter().chain(&words.candidate_lines) {
        assert!(
            !text.contains("pid") && !text.contains("326"),
            "jargon in {text}"
        );
    }

    let empty = client_id_holders(&ledger(vec![]), 5);
    assert!(empty.candidates.is_empty());
    assert!(!empty.summary.contains("listed below"), "{}", empty.summary);
}

#[test]
fn ids_in_use_are_every_visible_id_and_long_command_lines_are_cut() {
    let l = ledger(vec![
        entry(Some(10), "bot", false, Some(7461), ClientIdSource::DotEnv),
        entry(
            Some(20),
            "gateway-worker",
            true,
            Some(7460),
            ClientIdSource::Environment,
        ),
        entry(Some(30), "other", false, None, ClientIdSource::NotVisible),
    ]);
    assert_eq!(client_ids_in_use(&l), BTreeSet::from([7460, 7461]));

    let long = format!("bot {}", "--flag ".repeat(20));
    let words = client_id_holders(
        &ledger(vec![entry(
            Some(10),
            &long,
            false,
            Some(3),
            ClientIdSource::DotEnv,
        )]),
        3,
    );
    let command = words
        .summary
        .strip_prefix("bot (")
        .and_then(|s| s.split_once(')'))
        .map(|(c, _)| c)
        .expect("a command in parentheses");
    assert_eq!(command.chars().count(), COMMAND_MAX_CHARS, "{command}");
    assert!(command.ends_with('…'));
    assert!(
        words
            .summary
            .ends_with("uses client id 3 (seen in the .env file in its folder).")
    );
}
