//! The client-id finder and the ledger's shape, on hand-made input.

use gateway_proto::{SocketEntry, TcpState};

use super::*;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn the_environment_wins_then_the_command_line_then_dotenv() {
    let env = b"PATH=/usr/bin\0IBKR_CLIENT_ID=7\0HOME=/root\0";
    let cmd = args("python bot.py --client-id 9");
    let dotenv = "IBKR_CLIENT_ID=11\n";
    assert_eq!(
        find_client_id(Some(env), &cmd, Some(dotenv)),
        (Some(7), ClientIdSource::Environment)
    );
    assert_eq!(
        find_client_id(Some(b"PATH=/usr/bin\0"), &cmd, Some(dotenv)),
        (Some(9), ClientIdSource::CommandLine)
    );
    assert_eq!(
        find_client_id(None, &args("python bot.py"), Some(dotenv)),
        (Some(11), ClientIdSource::DotEnv)
    );
    assert_eq!(
        find_client_id(None, &args("python bot.py"), None),
        (None, ClientIdSource::NotVisible)
    );
}

#[test]
fn command_line_spellings_are_all_recognised() {
    for line in [
        "bot --client-id 5",
        "bot --client-id=5",
        "bot --clientId 5",
        "bot --clientid=5",
        "bot --client_id 5",
        "bot client_id=5",
        "bot clientId=5",
        "env IBKR_CLIENT_ID=5 bot",
    ] {
        assert_eq!(from_cmdline(&args(line)), Some(5), "{line}");
    }
    // The program's own name is not an argument; a flag without a number is not an id.
    assert_eq!(from_cmdline(&args("client_id=5")), None);
    assert_eq!(from_cmdline(&args("bot --client-id auto")), None);
    assert_eq!(from_cmdline(&args("bot --client-id")), None);
    assert_eq!(
        from_cmdline(&args("bot clientid 5")),
        None,
        "a bare word is not a flag"
    );
    assert_eq!(from_cmdline(&args("bot --port 4002")), None);
}

#[test]
fn environment_and_dotenv_values_must_be_numbers() {
    assert_eq!(from_environ(b"IBKR_CLIENT_ID=abc\0"), None);
    assert_eq!(from_environ(b"XIBKR_CLIENT_ID=3\0"), None);
    assert_eq!(from_environ(b"IBKR_CLIENT_ID=42"), Some(42));
    assert_eq!(
        from_dotenv("# comment\nexport IBKR_CLIENT_ID=\"12\"\n"),
        Some(12)
    );
    assert_eq!(from_dotenv("IBKR_CLIENT_ID = '13' # mine\n"), Some(13));
    assert_eq!(from_dotenv("IBKR_CLIENT_IDX=1\nIBKR_CLIENT_ID=\n"), None);
}

fn session(inode: u64, local_port: u16, pids: &[u32]) -> SocketEntry {
    SocketEntry {
        local_addr: "127.0.0.1".into(),
        local_port,
        remote_addr: "127.0.0.1".into(),
        remote_port: 4002,
        state: TcpState::Established,
        inode,
        uid: 1000,
        pids: pids.to_vec(),
    }
}

fn process(pid: u32, name: &str, started_at_ms: i64) -> ProcessInfo {
    ProcessInfo {
        pid,
        name: name.into(),
        cmdline: vec![name.into()],
        uid: 1000,
        owner_sid: None,
        user: None,
        start_ticks: 1,
        started_at_ms,
        is_gateway: false,
        product: None,
        has_live_session: false,
    }
}

#[test]
fn ledger_lists_each_session_oldest_program_first_and_marks_the_worker() {
    let scan = PortScan {
        port: 4002,
        live_sessions: vec![
            session(1, 50001, &[10]),
            session(2, 50002, &[]),
            session(3, 50003, &[20]),
        ],
        processes: vec![
            process(10, "bot", 2000),
            process(20, "gateway-worker", 1000),
        ],
        unreadable_processes: 2,
        ..PortScan::default()
    };
    let ledger = ledger_from_scan(&scan, |p| {
        if p.pid == 10 {
            (Some(1), ClientIdSource::Environment)
        } else {
            (None, ClientIdSource::NotVisible)
        }
    });
    let rows: Vec<_> = ledger
        .entries
        .iter()
        .map(|e| {
            (
                e.process.as_ref().map(|p| p.pid),
                e.is_own_worker,
                e.client_id,
                e.client_id_source,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Some(20), true, None, ClientIdSource::NotVisible),
            (Some(10), false, Some(1), ClientIdSource::Environment),
            (None, false, None, ClientIdSource::NotVisible),
        ]
    );
    assert_eq!(ledger.unreadable_processes, 2);
    assert_eq!(ledger.port, 4002);
}

#[test]
fn the_installed_worker_is_marked_by_its_program_file_not_its_cut_short_name() {
    let mut installed = process(20, "gateway-doctor-", 1000);
    installed.cmdline = vec!["/usr/bin/gateway-doctor-worker".into()];
    let mut sim = process(30, "gateway-doctor-", 1500);
    sim.cmdline = vec!["/usr/bin/gateway-doctor-sim".into()];
    let scan = PortScan {
        port: 4002,
        live_sessions: vec![session(1, 50001, &[20]), session(2, 50002, &[30])],
        processes: vec![installed, sim],
        ..PortScan::default()
    };
    let ledger = ledger_from_scan(&scan, |_| (None, ClientIdSource::NotVisible));
    let own: Vec<_> = ledger
        .entries
        .iter()
        .map(|e| (e.process.as_ref().map(|p| p.pid), e.is_own_worker))
        .collect();
    assert_eq!(own, [(Some(20), true), (Some(30), false)]);
}
