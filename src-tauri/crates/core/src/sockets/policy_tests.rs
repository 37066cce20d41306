//! The cleanup rules on hand-made scans: one test per rule, plus the order in which they apply.

use gateway_proto::{CleanConfirmation, GatewayProduct, SocketEntry, TcpState, ZombieSocket};

use super::*;

const PORT: u16 = 4002;
const ME: u32 = 5000;
const PARENT: u32 = 4999;
const GRANDPARENT: u32 = 300;
const UID: u32 = 1000;

fn ctx() -> Context {
    Context {
        own_pid: ME,
        ancestors: vec![PARENT, GRANDPARENT, 1],
        own: OwnUser::Uid(UID),
        system_pids: &[0, 1],
    }
}

fn process(pid: u32) -> ProcessInfo {
    ProcessInfo {
        pid,
        name: format!("p{pid}"),
        cmdline: vec![format!("p{pid}")],
        uid: UID,
        owner_sid: None,
        user: Some("trader".into()),
        start_ticks: 100,
        started_at_ms: 0,
        is_gateway: false,
        product: None,
        has_live_session: false,
    }
}

fn zombie(side: ZombieSide, inode: u64, remote: &str, pids: &[u32]) -> ZombieSocket {
    let (local_port, remote_port) = match side {
        ZombieSide::Client => (50000, PORT),
        ZombieSide::Gateway => (PORT, 50000),
    };
    ZombieSocket {
        side,
        socket: SocketEntry {
            local_addr: "127.0.0.1".into(),
            local_port,
            remote_addr: remote.into(),
            remote_port,
            state: TcpState::CloseWait,
            inode,
            uid: UID,
            pids: pids.to_vec(),
        },
    }
}

fn scan(zombies: Vec<ZombieSocket>, processes: Vec<ProcessInfo>) -> PortScan {
    PortScan {
        port: PORT,
        zombies,
        processes,
        ..PortScan::default()
    }
}

/// A confirmation of every process and zombie in `scan`, ticking the live ones when `include_live`.
fn confirm_all(scan: &PortScan, include_live: bool) -> CleanConfirmation {
    let keys: Vec<ProcessKey> = scan.processes.iter().map(ProcessKey::of).collect();
    CleanConfirmation {
        include_live: if include_live { keys.clone() } else { vec![] },
        processes: keys,
        zombie_inodes: scan.zombies.iter().map(|z| z.socket.inode).collect(),
    }
}

fn refusals_with(scan: &PortScan, allow: Allow<'_>) -> Vec<(u32, Option<RefusalReason>)> {
    decide(scan, &ctx(), allow)
        .into_iter()
        .map(|d| (d.process.pid, d.refusal))
        .collect()
}

/// Without a confirmation (`include_live` false), or with one that confirms everything (true).
fn refusals(scan: &PortScan, include_live: bool) -> Vec<(u32, Option<RefusalReason>)> {
    let confirmation = confirm_all(scan, include_live);
    let allow = Allow {
        confirmation: include_live.then_some(&confirmation),
        ..Allow::default()
    };
    refusals_with(scan, allow)
}

#[test]
fn an_own_users_client_zombie_holder_is_eligible() {
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![process(42)],
    );
    assert_eq!(refusals(&s, false), [(42, None)]);
}

#[test]
fn pid_1_self_and_every_ancestor_are_protected() {
    let s = scan(
        vec![zombie(
            ZombieSide::Client,
            1,
            "127.0.0.1",
            &[1, GRANDPARENT, ME, PARENT],
        )],
        vec![
            process(1),
            process(GRANDPARENT),
            process(ME),
            process(PARENT),
        ],
    );
    let protected = Some(RefusalReason::ProtectedPid);
    assert_eq!(
        refusals(&s, true),
        [
            (1, protected),
            (GRANDPARENT, protected),
            (PARENT, protected),
            (ME, protected)
        ]
    );
}

#[test]
fn the_gateway_is_refused_even_for_its_own_client_zombies() {
    let mut gateway = process(10);
    gateway.is_gateway = true;
    let s = scan(
        vec![
            zombie(ZombieSide::Client, 1, "127.0.0.1", &[10]),
            zombie(ZombieSide::Gateway, 2, "127.0.0.1", &[10]),
        ],
        vec![gateway],
    );
    let decisions = decide(&s, &ctx(), Allow::default());
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].refusal, Some(RefusalReason::IsGateway));
    assert_eq!(decisions[0].zombie_inodes, [1, 2]);
}

#[test]
fn gateway_side_zombies_list_only_the_gateway() {
    let mut gateway = process(10);
    gateway.is_gateway = true;
    let s = scan(
        vec![zombie(ZombieSide::Gateway, 2, "127.0.0.1", &[10, 11])],
        vec![gateway, process(11)],
    );
    assert_eq!(refusals(&s, true), [(10, Some(RefusalReason::IsGateway))]);
}

#[test]
fn another_users_process_is_refused() {
    let mut other = process(42);
    other.uid = 65534;
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![other],
    );
    assert_eq!(refusals(&s, true), [(42, Some(RefusalReason::OtherUser))]);
}

#[test]
fn a_live_session_needs_confirmation() {
    let mut live = process(42);
    live.has_live_session = true;
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![live],
    );
    assert_eq!(
        refusals(&s, false),
        [(42, Some(RefusalReason::LiveSessionNeedsConfirmation))]
    );
    assert_eq!(refusals(&s, true), [(42, None)]);
}

#[test]
fn zombies_to_another_machine_are_refused_unless_it_is_the_configured_host() {
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "10.1.2.3", &[42])],
        vec![process(42)],
    );
    assert_eq!(refusals(&s, true), [(42, Some(RefusalReason::OtherHost))]);
    let host = Some("10.1.2.3".parse().expect("ip"));
    let allow = Allow {
        host,
        ..Allow::default()
    };
    assert_eq!(decide(&s, &ctx(), allow)[0].refusal, None);
}

#[test]
fn only_the_confirmed_processes_are_eligible_when_the_caller_names_them() {
    let mut gateway = process(10);
    gateway.is_gateway = true;
    let s = scan(
        vec![
            zombie(ZombieSide::Client, 1, "127.0.0.1", &[42]),
            zombie(ZombieSide::Client, 2, "127.0.0.1", &[43]),
            zombie(ZombieSide::Client, 3, "127.0.0.1", &[10]),
        ],
        vec![process(42), process(43), gateway.clone()],
    );
    let confirmation = CleanConfirmation {
        processes: vec![ProcessKey::of(&process(42)), ProcessKey::of(&gateway)],
        include_live: vec![],
        zombie_inodes: vec![1, 2, 3],
    };
    let allow = Allow {
        confirmation: Some(&confirmation),
        ..Allow::default()
    };
    // Confirming the Gateway does not make it eligible: the fixed rules come first.
    assert_eq!(
        refusals_with(&s, allow),
        [
            (10, Some(RefusalReason::IsGateway)),
            (42, None),
            (43, Some(RefusalReason::NotConfirmed)),
        ]
    );
    // An empty confirmation ends nobody; no confirmation at all leaves every holder to the other rules.
    let nobody = CleanConfirmation::default();
    let allow = Allow {
        confirmation: Some(&nobody),
        ..Allow::default()
    };
    assert!(refusals_with(&s, allow).iter().all(|(_, r)| r.is_some()));
    assert_eq!(refusals(&s, false)[1..], [(42, None), (43, None)]);
}

#[test]
fn a_confirmed_pid_with_another_start_time_is_a_reused_pid() {
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![process(42)],
    );
    let mut confirmation = confirm_all(&s, false);
    confirmation.processes[0].start_ticks += 1;
    let allow = Allow {
        confirmation: Some(&confirmation),
        ..Allow::default()
    };
    assert_eq!(
        refusals_with(&s, allow),
        [(42, Some(RefusalReason::IdentityChanged))]
    );
}

#[test]
fn a_zombie_not_in_the_dry_run_does_not_count() {
    // 42 held inode 1 at the dry run; inode 2 appeared since. 43's only zombie is new.
    let s = scan(
        vec![
            zombie(ZombieSide::Client, 1, "127.0.0.1", &[42]),
            zombie(ZombieSide::Client, 2, "127.0.0.1", &[42, 43]),
        ],
        vec![process(42), process(43)],
    );
    let mut confirmation = confirm_all(&s, false);
    confirmation.zombie_inodes = vec![1];
    let allow = Allow {
        confirmation: Some(&confirmation),
        ..Allow::default()
    };
    let decisions = decide(&s, &ctx(), allow);
    assert_eq!(decisions[0].refusal, None);
    assert_eq!(
        decisions[0].target_inodes,
        [1],
        "only the twice-seen socket"
    );
    assert_eq!(decisions[0].zombie_inodes, [1, 2], "the report lists both");
    assert_eq!(
        decisions[1].refusal,
        Some(RefusalReason::NotSeenInBothScans)
    );
}

#[test]
fn the_live_session_override_is_per_process() {
    let mut a = process(42);
    a.has_live_session = true;
    let mut b = process(43);
    b.has_live_session = true;
    let s = scan(
        vec![
            zombie(ZombieSide::Client, 1, "127.0.0.1", &[42]),
            zombie(ZombieSide::Client, 2, "127.0.0.1", &[43]),
        ],
        vec![a.clone(), b],
    );
    let mut confirmation = confirm_all(&s, false);
    confirmation.include_live = vec![ProcessKey::of(&a)];
    let allow = Allow {
        confirmation: Some(&confirmation),
        ..Allow::default()
    };
    assert_eq!(
        refusals_with(&s, allow),
        [
            (42, None),
            (43, Some(RefusalReason::LiveSessionNeedsConfirmation))
        ]
    );
}

#[test]
fn every_holder_of_a_shared_socket_is_a_candidate() {
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42, 43])],
        vec![process(42), process(43)],
    );
    assert_eq!(refusals(&s, false), [(42, None), (43, None)]);
}

#[test]
fn a_holder_without_details_is_not_decided_on() {
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![],
    );
    assert!(refusals(&s, true).is_empty());
}

#[test]
fn absolute_refusal_covers_protected_pids_and_other_users() {
    let mut other = process(42);
    other.uid = 0;
    assert_eq!(
        absolute_refusal(&process(0), &ctx()),
        Some(RefusalReason::ProtectedPid)
    );
    for pid in [ME, PARENT, GRANDPARENT] {
        assert_eq!(
            absolute_refusal(&process(pid), &ctx()),
            Some(RefusalReason::ProtectedPid)
        );
    }
    assert_eq!(
        absolute_refusal(&other, &ctx()),
        Some(RefusalReason::OtherUser)
    );
    assert_eq!(absolute_refusal(&process(42), &ctx()), None);
}

const OWN_SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";

/// A Windows context: users are SIDs, and pid 4 is the System process.
fn windows_ctx(own_sid: Option<&str>) -> Context {
    Context {
        own: OwnUser::Sid(own_sid.map(str::to_string)),
        system_pids: &[0, 4],
        ..ctx()
    }
}

/// A Windows process: no uid, an owner SID when it could be read.
fn windows_process(pid: u32, sid: Option<&str>) -> ProcessInfo {
    ProcessInfo {
        uid: gateway_proto::NO_UID,
        owner_sid: sid.map(str::to_string),
        ..process(pid)
    }
}

#[test]
fn windows_owners_are_compared_by_exact_sid() {
    let c = windows_ctx(Some(OWN_SID));
    assert_eq!(
        absolute_refusal(&windows_process(42, Some(OWN_SID)), &c),
        None
    );
    // Another account on the same machine: same domain part, another relative id.
    let other = "S-1-5-21-1004336348-1177238915-682003330-1002";
    assert_eq!(
        absolute_refusal(&windows_process(42, Some(other)), &c),
        Some(RefusalReason::OtherUser)
    );
    // The SYSTEM account, and a SID that differs only in case: not ours.
    assert_eq!(
        absolute_refusal(&windows_process(42, Some("S-1-5-18")), &c),
        Some(RefusalReason::OtherUser)
    );
    assert_eq!(
        absolute_refusal(&windows_process(42, Some(&OWN_SID.to_lowercase())), &c),
        Some(RefusalReason::OtherUser)
    );
}

#[test]
fn an_owner_that_cannot_be_read_is_refused() {
    // Its owner unreadable.
    let c = windows_ctx(Some(OWN_SID));
    assert_eq!(
        absolute_refusal(&windows_process(42, None), &c),
        Some(RefusalReason::OwnerUnknown)
    );
    // Our own SID unreadable: nothing counts as ours, even a process with the same (unused) uid.
    let blind = windows_ctx(None);
    assert_eq!(
        absolute_refusal(&windows_process(42, Some(OWN_SID)), &blind),
        Some(RefusalReason::OwnerUnknown)
    );
    let s = scan(
        vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
        vec![windows_process(42, None)],
    );
    let decisions = decide(&s, &c, Allow::default());
    assert_eq!(decisions[0].refusal, Some(RefusalReason::OwnerUnknown));
}

#[test]
fn windows_system_processes_are_protected() {
    let c = windows_ctx(Some(OWN_SID));
    for pid in [0, 4] {
        assert_eq!(
            absolute_refusal(&windows_process(pid, Some(OWN_SID)), &c),
            Some(RefusalReason::ProtectedPid)
        );
    }
    // On Unix pid 4 is an ordinary process.
    assert_eq!(absolute_refusal(&process(4), &ctx()), None);
}

#[test]
fn a_recognised_gateway_or_tws_is_never_ended() {
    for product in [GatewayProduct::IbGateway, GatewayProduct::Tws] {
        let mut tws = process(42);
        tws.product = Some(product);
        // Not the listener here (its API is off), but still IBKR's program.
        assert_eq!(
            absolute_refusal(&tws, &ctx()),
            Some(RefusalReason::IsGateway)
        );
        let s = scan(
            vec![zombie(ZombieSide::Client, 1, "127.0.0.1", &[42])],
            vec![tws],
        );
        assert_eq!(refusals(&s, true), [(42, Some(RefusalReason::IsGateway))]);
    }
}

#[test]
fn zombies_whose_holder_cannot_be_seen_are_listed_as_unendable() {
    let s = scan(
        vec![
            // No holder reported (Wine reports owner 0 for every row; another user's without root).
            zombie(ZombieSide::Client, 1, "127.0.0.1", &[]),
            // A holder whose details could not be read.
            zombie(ZombieSide::Client, 2, "127.0.0.1", &[77]),
            // Seen: cleanup decides on it.
            zombie(ZombieSide::Client, 3, "127.0.0.1", &[42]),
            // Another machine's, and the Gateway's own end: not ours to clean.
            zombie(ZombieSide::Client, 4, "10.9.9.9", &[]),
            zombie(ZombieSide::Gateway, 5, "127.0.0.1", &[]),
        ],
        vec![process(42)],
    );
    let cannot = unendable(&s, None);
    let inodes: Vec<u64> = cannot.iter().map(|u| u.zombie.socket.inode).collect();
    assert_eq!(inodes, [1, 2]);
    assert!(cannot.iter().all(|u| u.code == UnendableCode::OwnerUnknown));
    assert!(cannot[1].detail.contains("process 77"));
    // The holder-less zombie never becomes a process anyone could tick.
    assert!(
        decide(&s, &ctx(), Allow::default())
            .iter()
            .all(|d| d.process.pid == 42)
    );
    let json = serde_json::to_string(&cannot).expect("serialise");
    assert!(json.contains("\"code\":\"OWNER_UNKNOWN\""), "{json}");
}
