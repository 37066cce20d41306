//! The keeper's tray on a real private session bus (its own dbus-daemon, no panel on it), looked at and
//! clicked with busctl as a panel would: the StatusNotifierItem's properties, the menu's layout with its
//! labels, a "clicked" event on each item coming back as its action, and a new look changing the icon, the
//! tooltip and the session item. The tray runs in the keeper-probe program (src/bin).
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gateway_proto::words::{TRAY_CONNECT, TRAY_DIAGNOSE, TRAY_OPEN, TRAY_QUIT, TRAY_STOP};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);
const PROBE: &str = env!("CARGO_BIN_EXE_keeper-probe");
/// A program the bus can start that stays on it without owning any name.
const MONITOR: &str = "/usr/bin/dbus-monitor --session";

/// A private session bus, ended on drop. Its only activatable services are those the test puts in
/// `services` (none of the machine's: a notification daemon installed here must not change a result).
struct Bus {
    daemon: Child,
    address: String,
    _folder: tempfile::TempDir,
}

impl Bus {
    fn start() -> Bus {
        Bus::with_services(&[])
    }

    /// A bus on which each `(name, program)` is started on demand (D-Bus activation) by running `program`.
    fn with_services(services: &[(&str, &str)]) -> Bus {
        let folder = tempfile::tempdir().expect("a temp folder");
        let service_dir = folder.path().join("services");
        std::fs::create_dir(&service_dir).expect("a services folder");
        for (name, program) in services {
            let file = format!("[D-BUS Service]\nName={name}\nExec={program}\n");
            std::fs::write(service_dir.join(format!("{name}.service")), file)
                .expect("writes the service file");
        }
        let config = folder.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmp}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                tmp = folder.path().display(),
                services = service_dir.display()
            ),
        )
        .expect("writes the bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (package dbus)");
        let mut address = String::new();
        let stdout = daemon.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        Bus {
            daemon,
            address: address.trim().to_string(),
            _folder: folder,
        }
    }

    fn busctl(&self, args: &[&str]) -> Value {
        let out = Command::new("busctl")
            .arg(format!("--address={}", self.address))
            .args(["--timeout=5", "--json=short"])
            .args(args)
            .output()
            .expect("busctl runs");
        assert!(
            out.status.success(),
            "busctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(text.trim()).expect("busctl prints JSON")
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// The probe program holding the tray, with its stdin to send looks and its stdout read on a thread.
struct Probe {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Probe {
    fn start(bus: &Bus) -> Probe {
        let mut child = Command::new(PROBE)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the probe starts");
        let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        let probe = Probe {
            child,
            stdin,
            lines,
        };
        assert_eq!(probe.next_line(), "ready");
        probe
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .expect("the probe says something in time")
    }

    /// Shows a notification `<title>|<body>`; what the probe said back.
    fn notify(&mut self, text: &str) -> String {
        self.send(&format!("notify {text}"));
        self.next_line()
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("the probe reads its stdin");
        stdin.flush().expect("flushed");
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The probe's well-known StatusNotifierItem name on the bus.
fn item_name(bus: &Bus, pid: u32) -> String {
    let names = bus.busctl(&[
        "call",
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "ListNames",
    ]);
    let prefix = format!("org.kde.StatusNotifierItem-{pid}-");
    names["data"][0]
        .as_array()
        .expect("a list of names")
        .iter()
        .filter_map(Value::as_str)
        .find(|name| name.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix}* on the bus: {names}"))
        .to_string()
}

fn property(bus: &Bus, name: &str, prop: &str) -> Value {
    bus.busctl(&[
        "get-property",
        name,
        "/StatusNotifierItem",
        "org.kde.StatusNotifierItem",
        prop,
    ])["data"]
        .clone()
}

/// (id, label) of each menu entry, as GetLayout gives them (a separator has no label).
fn menu(bus: &Bus, name: &str, path: &str) -> Vec<(i64, String)> {
    let layout = bus.busctl(&[
        "call",
        "--",
        name,
        path,
        "com.canonical.dbusmenu",
        "GetLayout",
        "iias",
        "0",
        "-1",
        "0",
    ]);
    layout["data"][1][2]
        .as_array()
        .expect("the root's children")
        .iter()
        .map(|child| {
            let [id, props, _] = &child["data"].as_array().expect("(ia{sv}av)")[..] else {
                panic!("not a menu entry: {child}");
            };
            let label = props["label"]["data"].as_str().unwrap_or_default();
            (id.as_i64().expect("an id"), label.to_string())
        })
        .collect()
}

/// The RGB of the icon's centre pixel (ARGB32 in IconPixmap).
fn icon_centre(bus: &Bus, name: &str) -> [u64; 3] {
    let pixmaps = property(bus, name, "IconPixmap");
    let [width, height, data] = &pixmaps[0].as_array().expect("(iiay)")[..] else {
        panic!("not a pixmap: {pixmaps}");
    };
    let (w, h) = (width.as_u64().expect("w"), height.as_u64().expect("h"));
    let data = data.as_array().expect("bytes");
    let at = ((h / 2 * w + w / 2) * 4) as usize;
    let byte = |i: usize| data[at + i].as_u64().expect("a byte");
    assert_eq!(byte(0), 255, "the centre is opaque");
    [byte(1), byte(2), byte(3)]
}

#[test]
fn the_tray_serves_its_item_and_menu_and_hands_back_each_click() {
    let bus = Bus::start();
    let mut probe = Probe::start(&bus);
    let name = item_name(&bus, probe.child.id());

    assert_eq!(property(&bus, &name, "Id"), "gateway-doctor");
    assert_eq!(property(&bus, &name, "Title"), "Gateway Doctor");
    assert_eq!(property(&bus, &name, "Status"), "Active");
    assert_eq!(
        property(&bus, &name, "ToolTip")[2],
        "Gateway Doctor: Not connected"
    );
    assert_eq!(icon_centre(&bus, &name), [0x8c, 0x95, 0x9f], "grey");
    let menu_path = property(&bus, &name, "Menu");
    let menu_path = menu_path.as_str().expect("an object path");

    let entries = menu(&bus, &name, menu_path);
    let labels: Vec<&str> = entries.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        labels,
        [TRAY_OPEN, TRAY_CONNECT, TRAY_DIAGNOSE, "", TRAY_QUIT]
    );

    for ((id, label), action) in entries.iter().filter(|(_, l)| !l.is_empty()).zip([
        "open",
        "toggle_session",
        "diagnose",
        "quit",
    ]) {
        let id = id.to_string();
        bus.busctl(&[
            "call",
            "--",
            &name,
            menu_path,
            "com.canonical.dbusmenu",
            "Event",
            "isvu",
            &id,
            "clicked",
            "i",
            "0",
            "0",
        ]);
        assert_eq!(probe.next_line(), format!("action {action}"), "{label}");
    }

    probe.send("look d1242f stop Connection lost");
    assert_eq!(probe.next_line(), "repainted true");
    assert_eq!(icon_centre(&bus, &name), [0xd1, 0x24, 0x2f], "red");
    assert_eq!(
        property(&bus, &name, "ToolTip")[2],
        "Gateway Doctor: Connection lost"
    );
    let labels: Vec<String> = menu(&bus, &name, menu_path)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(labels[1], TRAY_STOP);

    probe.send("look d1242f stop Connection lost");
    assert_eq!(probe.next_line(), "repainted false", "the same look again");
    probe.send("look 2ea043 connect Connected");
    assert_eq!(probe.next_line(), "repainted true");
    assert_eq!(menu(&bus, &name, menu_path)[1].1, TRAY_CONNECT);

    probe.send("look nonsense");
    assert!(probe.next_line().starts_with("error "));

    // End of input: the tray leaves the bus and the probe exits cleanly.
    drop(probe.stdin.take());
    let status = probe.child.wait().expect("the probe ends");
    assert!(status.success(), "{status}");
}

/// A bus whose notification server is started on the first call and never takes its name (dbus-monitor
/// only watches, and ends with the bus): each call hangs until the bus gives up on starting it (25 s by
/// default), well past the notifier's bound.
fn bus_with_a_silent_notification_server() -> Bus {
    Bus::with_services(&[("org.freedesktop.Notifications", MONITOR)])
}

fn assert_starts(said: &str, prefix: &str) {
    assert!(
        said.starts_with(prefix),
        "{said:?} does not start with {prefix:?}"
    );
}

#[test]
fn a_notification_with_no_notification_server_on_the_bus_fails_with_its_own_error() {
    let bus = Bus::start();
    let mut probe = Probe::start(&bus);
    // The probe answers within WAIT (the notifier's own bound is 5 s) rather than hanging.
    let said = probe.notify("Connection lost|Gateway Doctor is trying again.");
    assert_starts(&said, "notify_error NoNotificationServer ");
    assert!(said.contains("org.freedesktop.Notifications"), "{said}");
}

#[test]
fn a_notification_server_that_never_answers_costs_the_caller_the_bound_not_a_hang() {
    let bus = bus_with_a_silent_notification_server();
    let mut probe = Probe::start(&bus);
    let said = probe.notify("Connection lost|Gateway Doctor is trying again.");
    assert_starts(&said, "notify_error NotificationTimedOut ");
    // The keeper is not stalled: the tray still answers and the next command is read.
    probe.send("look 2ea043 stop Connected");
    assert_eq!(probe.next_line(), "repainted true");
}

#[test]
fn notifications_waiting_on_a_silent_server_pile_up_to_a_limit_then_are_refused() {
    let bus = bus_with_a_silent_notification_server();
    let mut probe = Probe::start(&bus);
    probe.send("notify_timeout 200");
    assert_eq!(probe.next_line(), "notify_timeout 200");
    for _ in 0..gateway_doctor_keeper::notify::MAX_IN_FLIGHT {
        let said = probe.notify("Stale connections|3 are left over.");
        assert_starts(&said, "notify_error NotificationTimedOut ");
    }
    let said = probe.notify("Stale connections|4 are left over.");
    assert_starts(&said, "notify_error NotificationServerBusy ");
}

#[test]
fn without_a_session_bus_the_tray_says_so() {
    let out = Command::new(PROBE)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/gateway-doctor-bus",
        )
        .stdin(Stdio::null())
        .output()
        .expect("the probe runs");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert_starts(&said, "show the tray icon: the desktop's session bus: ");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "never ready"
    );
}
