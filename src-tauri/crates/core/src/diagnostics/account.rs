//! PAPER or LIVE, decided once for every screen (Status, Diagnose, the CLI, the Restart screen's question):
//! an IB paper account's id starts with "D" (DU..., DF...); the live ports (4001 IB Gateway, 7496 TWS) trade
//! real money whatever the accounts say. With no account reported on another port nothing tells, and the
//! mode is not guessed.

use gateway_proto::AccountMode;

/// The ports where a live account trades: IB Gateway live and TWS live.
pub const LIVE_PORTS: [u16; 2] = [4001, 7496];

/// One account's mode: LIVE on a live port, or when its id does not start with "D" (any case).
pub fn account_mode(account: &str, port: Option<u16>) -> AccountMode {
    let paper_id = account
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case(&'D'));
    if port.is_some_and(|p| LIVE_PORTS.contains(&p)) || !paper_id {
        AccountMode::Live
    } else {
        AccountMode::Paper
    }
}

/// The session's mode: LIVE when the port or any account is live, PAPER when every account is a paper one,
/// `None` when nothing is known (no account reported, on a port that is not a live one).
pub fn session_mode(port: Option<u16>, accounts: &[String]) -> Option<AccountMode> {
    if port.is_some_and(|p| LIVE_PORTS.contains(&p)) {
        return Some(AccountMode::Live);
    }
    if accounts.is_empty() {
        return None;
    }
    let live = accounts
        .iter()
        .any(|a| account_mode(a, port) == AccountMode::Live);
    Some(if live {
        AccountMode::Live
    } else {
        AccountMode::Paper
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_live_on_a_live_port_or_without_a_paper_id() {
        for (account, port, mode) in [
            ("DU1234567", Some(4002), AccountMode::Paper),
            ("DU1234567", Some(7497), AccountMode::Paper),
            ("DU1234567", Some(4001), AccountMode::Live),
            ("DU1234567", Some(7496), AccountMode::Live),
            ("U7654321", Some(4002), AccountMode::Live),
            ("DF555", None, AccountMode::Paper),
            ("F123", None, AccountMode::Live),
            ("du1234567", Some(4002), AccountMode::Paper),
            ("", Some(4002), AccountMode::Live),
        ] {
            assert_eq!(account_mode(account, port), mode, "{account} on {port:?}");
        }
    }

    #[test]
    fn the_session_is_live_when_the_port_or_any_account_is_and_unknown_without_accounts() {
        let ids = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            session_mode(Some(4002), &ids(&["DU1", "DU2"])),
            Some(AccountMode::Paper)
        );
        assert_eq!(
            session_mode(Some(4002), &ids(&["DU1", "U2"])),
            Some(AccountMode::Live)
        );
        assert_eq!(session_mode(Some(4001), &[]), Some(AccountMode::Live));
        assert_eq!(
            session_mode(Some(7496), &ids(&["DU1"])),
            Some(AccountMode::Live)
        );
        assert_eq!(
            session_mode(Some(4002), &[]),
            None,
            "nothing tells: not guessed"
        );
        assert_eq!(session_mode(None, &[]), None);
    }
}
