//! Words a trader reads: the walk through IB Gateway's API settings (in the Gateway's own menu names), the
//! note about the Gateway's "API client" light, the tray menu's labels, and the protocol words that must
//! stay out of the main text (they belong behind "Details"). Defined once here: diagnose's verdicts use
//! them, and the UI gets the same texts as data, `ui/src/ipc/gen/words.json`, written by the
//! `export_bindings_words` test (`make types`).

use crate::ErrorCode;

/// How to restart IB Gateway by hand, in one sentence and the same words everywhere: errors, diagnose, the
/// CLI, alerts and the UI's hints (the Restart screen's checklist spells the same steps out one by one).
pub const RESTART_BY_HAND: &str = "Restart IB Gateway: File \u{2192} Exit, start IB Gateway again, log in and \
     approve the 2FA prompt on your phone. Gateway Doctor reconnects by itself once it is back.";

/// Where IB Gateway keeps its API settings (TWS: File or Edit -> Global Configuration -> API -> Settings).
pub const API_SETTINGS_MENU: &str = "Configure \u{2192} Settings \u{2192} API \u{2192} Settings";

/// The Gateway's API settings to look at when it refuses or drops a connection at once, one per line, in
/// the order they appear on the Gateway's settings page. `port` is the port Gateway Doctor uses.
pub fn api_settings_steps(port: Option<u16>) -> Vec<String> {
    let port_line = match port {
        Some(port) => format!(
            "\u{201c}Socket port\u{201d}: the same number Gateway Doctor uses ({port}). IB Gateway uses \
             4002 for paper and 4001 for live; TWS 7497 and 7496."
        ),
        None => "\u{201c}Socket port\u{201d}: the same number as in Gateway Doctor's Settings. IB Gateway \
                 uses 4002 for paper and 4001 for live; TWS 7497 and 7496."
            .to_string(),
    };
    vec![
        format!("In IB Gateway, open {API_SETTINGS_MENU}."),
        "\u{201c}Enable ActiveX and Socket Clients\u{201d} (TWS and older Gateways show this box): \
         ticked."
            .to_string(),
        port_line,
        "\u{201c}Allow connections from localhost only\u{201d}: ticked when Gateway Doctor runs on the \
         same computer. If it is not ticked, or Gateway Doctor runs on another computer, add that \
         computer's address to \u{201c}Trusted IPs\u{201d} (127.0.0.1 is this computer)."
            .to_string(),
        "\u{201c}Read-Only API\u{201d}: either way is fine for Gateway Doctor; it never places orders. \
         Ticked, IB Gateway refuses orders from every program."
            .to_string(),
        "Click OK (or Apply), then connect again.".to_string(),
    ]
}

/// The tray menu's words, the same in the app's Tauri tray (src-tauri/src/tray.rs) and the keeper's
/// (crates/keeper/src/tray.rs); the e2e tests click the items by these labels.
pub const TRAY_OPEN: &str = "Open Gateway Doctor";
pub const TRAY_CONNECT: &str = "Connect";
pub const TRAY_STOP: &str = "Stop the session";
pub const TRAY_DIAGNOSE: &str = "Diagnose";
/// Quit ends the session's worker, so the Gateway sees the connection close: the item says so.
pub const TRAY_QUIT: &str = "Quit (ends the session with IB Gateway)";

/// The tray icon's tooltip: the app's name and the status view's title.
pub fn tray_tooltip(title: &str) -> String {
    format!("Gateway Doctor: {title}")
}

/// The Gateway's "API client" light: traders read a red one as a broken API.
pub const API_CLIENT_LIGHT_NOTE: &str = "IB Gateway's own \u{201c}API client\u{201d} light is red \
     whenever no program is connected to it, so a red light there alone does not mean its API is \
     broken.";

/// The walk through the Gateway's API settings fits these failures: the Gateway was reached but refused or
/// dropped the connection straight away, or nothing answered on the port while the Gateway may be running.
pub fn settings_help_fits(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ConnectionRefused | ErrorCode::ConnectionLost | ErrorCode::ProtocolError
    )
}

/// Words that name the protocol or the machinery rather than what a trader sees. Matched as whole words,
/// case-insensitively, after the names traders do see ([`GATEWAY_NAMES`]) are taken out.
pub const JARGON: &[&str] = &[
    "nextValidId",
    "reqCurrentTime",
    "reqManagedAccts",
    "managedAccounts",
    "reqIds",
    "START_API",
    "server version",
    "client version",
    "pid",
    "socket",
    "sockets",
    "CLOSE_WAIT",
    "ESTABLISHED",
    "inode",
    "uid",
    "usfarm",
    "ushmds",
    "hmds",
    "secdefnj",
    "secdef",
    "cashfarm",
    "eufarm",
    "errorCode",
    "handshake",
    "handshakes",
    "stdout",
    "stderr",
    "stdin",
    "JSON",
    "TCP",
    "ibapi",
    "msg_id",
    "gateway-worker",
    "worker",
    "supervisor",
    "undefined",
    "NaN",
];

/// Names a trader sees as they are, though they hold a jargon word: the Gateway's own setting names (in its
/// window) and Gateway Doctor's own command line (in a terminal).
pub const GATEWAY_NAMES: &[&str] = &[
    "Enable ActiveX and Socket Clients",
    "Socket port",
    "diagnose --handshake",
];

/// The jargon words in `text` (empty when it reads plainly).
pub fn jargon_in(text: &str) -> Vec<&'static str> {
    let mut plain = text.to_string();
    for name in GATEWAY_NAMES {
        plain = plain.replace(name, " ");
    }
    let lower = plain.to_lowercase();
    JARGON
        .iter()
        .copied()
        .filter(|word| contains_word(&lower, &word.to_lowercase()))
        .collect()
}

/// `word` in `text` with no letter, digit or underscore either side; a dot or a slash before it joins it to
/// what comes first too ("settings.json" is a file's name, not the word JSON).
fn contains_word(text: &str, word: &str) -> bool {
    let after = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let before = |c: Option<char>| after(c) || matches!(c, Some('.' | '/' | '\\'));
    text.match_indices(word).any(|(at, _)| {
        !before(text[..at].chars().next_back()) && !after(text[at + word.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jargon_is_found_as_whole_words_only() {
        assert_eq!(
            jargon_in("waiting for nextValidId"),
            vec!["nextValidId"],
            "a protocol name"
        );
        assert_eq!(jargon_in("Server version 187"), vec!["server version"]);
        assert_eq!(jargon_in("java (pid 4242)"), vec!["pid"]);
        assert!(jargon_in("rapid stupid").is_empty(), "pid inside a word");
        assert!(
            jargon_in("tick \u{201c}Enable ActiveX and Socket Clients\u{201d} and the Socket port")
                .is_empty(),
            "the Gateway's own setting names"
        );
        assert_eq!(jargon_in("a socket is open"), vec!["socket"]);
        assert!(
            jargon_in("the file /home/t/settings.json").is_empty(),
            "a file name"
        );
        assert_eq!(jargon_in("It is not JSON."), vec!["JSON"]);
    }

    #[test]
    fn the_help_texts_read_plainly() {
        for text in api_settings_steps(Some(4002))
            .iter()
            .chain(api_settings_steps(None).iter())
            .map(String::as_str)
            .chain([API_CLIENT_LIGHT_NOTE])
        {
            assert_eq!(jargon_in(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn the_settings_walk_uses_the_gateways_menu_names() {
        let steps = api_settings_steps(Some(4001)).join("\n");
        for name in [
            "Configure \u{2192} Settings \u{2192} API \u{2192} Settings",
            "Enable ActiveX and Socket Clients",
            "Socket port",
            "Allow connections from localhost only",
            "Trusted IPs",
            "Read-Only API",
            "(4001)",
        ] {
            assert!(steps.contains(name), "{name} missing from {steps}");
        }
    }

    /// Writes `words.json` beside the ts-rs bindings (TS_RS_EXPORT_DIR, set in .cargo/config.toml), so the
    /// UI shows the same words and its text scan uses the same jargon list (ui/src/ipc/words.ts reads it).
    /// `make types-check` fails when the committed file is stale.
    #[test]
    fn export_bindings_words() {
        let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") else {
            return;
        };
        let words = serde_json::json!({
            "api_settings_menu": API_SETTINGS_MENU,
            "api_client_light_note": API_CLIENT_LIGHT_NOTE,
            "restart_by_hand": RESTART_BY_HAND,
            "jargon": JARGON,
            "gateway_names": GATEWAY_NAMES,
        });
        let mut text = serde_json::to_string_pretty(&words).expect("words serialize");
        text.push('\n');
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create the export folder");
        std::fs::write(dir.join("words.json"), text).expect("write words.json");
    }
}
