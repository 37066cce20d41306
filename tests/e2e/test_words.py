"""Plain words in the real window: a Gateway that lets the connection in and shuts it at once (gateway-sim's
close_after_handshake) gets IB Gateway's API settings walked through on Status, in the Gateway's own menu
names, and the note on its "API client" light; what the window shows (closed "Details" hide their facts) has
none of the protocol words of JARGON, the list the Rust and UI tests use (ui/src/ipc/gen/words.json)."""

import json
import re

from gdsim import ROOT, Sim

WORDS_JSON = ROOT / "ui" / "src" / "ipc" / "gen" / "words.json"

# The text of the element matching arguments[0] as a person sees it: hidden elements and the inside of closed
# <details> (all but the summary) left out, one text node per line.
SHOWN_TEXT = """
const root = document.querySelector(arguments[0]);
const hidden = (el) => el.closest('[hidden]') !== null
    || (el.closest('details:not([open])') !== null && el.closest('summary') === null);
const out = [];
const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
for (let n = walk.nextNode(); n !== null; n = walk.nextNode()) {
    if (n.parentElement && !hidden(n.parentElement) && n.textContent.trim()) out.push(n.textContent.trim());
}
return out.join('\\n');
"""


def generated_list(name: str) -> list[str]:
    """A string list from the words Rust writes for the UI (words.json, `make types`)."""
    words = json.loads(WORDS_JSON.read_text(encoding="utf-8"))
    assert name in words, f"{name} is missing from {WORDS_JSON}"
    return words[name]


def jargon_in(text: str) -> list[str]:
    """The same whole-word, any-case match as words::jargon_in in src-tauri/crates/proto/src/words.rs."""
    for name in generated_list("gateway_names"):
        text = text.replace(name, " ")
    lower = text.lower()
    found = []
    for word in generated_list("jargon"):
        if re.search(rf"(?<![\w./\\]){re.escape(word.lower())}(?!\w)", lower):
            found.append(word)
    return found


def test_the_jargon_match_is_the_rust_one():
    assert jargon_in("waiting for nextValidId") == ["nextValidId"]
    assert jargon_in("java (pid 4242)") == ["pid"]
    assert jargon_in("a rapid stupid test; /home/t/settings.json") == []
    assert jargon_in("tick \u201cEnable ActiveX and Socket Clients\u201d") == []


def test_a_gateway_that_shuts_the_door_walks_through_its_api_settings(launch):
    sim = Sim("--fault", "close_after_handshake")
    try:
        app = launch({"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7"})
        app.click("#primary-action")
        app.wait("IB Gateway's API settings on Status", lambda: "Trusted IPs" in app.text("#gateway-settings"), timeout=40)
        steps = app.text("#gateway-settings")
        for name in ["Enable ActiveX and Socket Clients", "Socket port", "Allow connections from localhost only",
                     "Trusted IPs", "Read-Only API"]:
            assert name in steps, steps
        assert "API client" in app.text("#api-client-light-note")
        app.shot("words-refused")
        # What the trader sees on Status: no protocol word. WebDriver's element text counts the inside of a closed
        # <details> as shown, so the page says what it shows: closed disclosures keep only their summary.
        shown = app.driver.execute_script(SHOWN_TEXT, ".status-screen")
        assert "Details" in shown
        assert jargon_in(shown) == [], shown
        # The facts are still there for support, behind Details.
        facts = app.driver.execute_script("return document.getElementById('status-details').textContent")
        assert "CONNECTION_LOST" in facts, facts
        assert sim.stats()["accepted"] >= 1, "the window's words came from a real refused connection"
    finally:
        sim.stop()
