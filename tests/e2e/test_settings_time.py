"""Issue 11 items 4 and 5 in the real window: the trading program's .env imported from Settings (its client id
warned about and replaced in one click, the session then connecting to the simulated Gateway with ours), and the
region from the computer's time zone with the coming reset and weekly login on Status."""

import tempfile
from pathlib import Path

from selenium.webdriver.remote.file_detector import UselessFileDetector


def type_path(app, path: Path) -> None:
    """Types a path as keystrokes (selenium would otherwise take an existing file's path for an upload)."""
    app.driver.file_detector = UselessFileDetector()
    field = app.el("#trading-env-path")
    field.clear()
    field.send_keys(str(path))


def test_the_trading_programs_env_is_imported_and_its_client_id_never_taken(launch, sim):
    bot = Path(tempfile.mkdtemp(prefix="gd-e2e-bot-"))
    env = bot / ".env"
    # The program uses 7431, Gateway Doctor's default id: importing must warn and offer another.
    env.write_text(f"IBKR_HOST=127.0.0.1\nIBKR_PORT={sim.port}\nIBKR_CLIENT_ID=7431\nIBKR_READONLY=false\n")
    app = launch({"TZ": "Europe/Berlin"})

    app.click("#nav-settings")
    assert app.text("#source-region") == "Source: your computer's time zone (Europe/Berlin)"
    type_path(app, env)
    app.click("#import-trading-env")
    app.wait("the import", lambda: "Imported from" in app.text("#import-result"))
    assert app.attr("#setting-port", "value") == str(sim.port)
    assert app.text("#source-port") == f"Source: imported from your trading program ({env})"
    assert "IBKR_CLIENT_ID=7431" in app.text("#import-left-out")
    assert "uses client id 7431 too" in app.text("#client-id-clash-text")
    app.shot("11-import-clash")
    app.click("#use-suggested-client-id")
    app.wait("the clash to clear", lambda: not app.driver.find_element("css selector", "#client-id-clash").is_displayed())
    assert app.attr("#setting-client_id", "value") == "7432"

    app.click("#nav-status")
    # The schedule's clock is pinned (conftest.py): Wednesday 25 Nov 2026, 18:00 in Berlin.
    lines = app.text("#schedule-lines")
    assert "IBKR daily reset (Europe): tomorrow 06:25–07:45" in lines
    assert "Weekly login with 2FA: Sunday 07:00." in lines
    assert "Lock and Exit" in app.text("#schedule-hint")
    app.shot("11-status-schedule")

    app.click("#primary-action")
    app.wait("the green light", lambda: app.attr("#header-status", "data-state") == "green")
    assert [c["client_id"] for c in sim.stats()["live_clients"]] == [7432]


def test_a_bad_env_changes_nothing(launch, sim):
    bot = Path(tempfile.mkdtemp(prefix="gd-e2e-bot-"))
    env = bot / ".env"
    env.write_text("IBKR_PORT=70000\n")
    app = launch({"IBKR_PORT": str(sim.port)})
    app.click("#nav-settings")
    type_path(app, env)
    app.click("#import-trading-env")
    app.wait("the error", lambda: app.attr("#import-result", "data-code") == "ENV_BAD_VALUES")
    assert "IBKR_PORT=70000" in app.text("#import-result")
    assert app.attr("#setting-port", "value") == str(sim.port)
    assert not (app.home / "config" / "gateway-doctor" / "settings.json").exists()
