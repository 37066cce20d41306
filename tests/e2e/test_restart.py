"""Restart IB Gateway through IBC, in the real window (issue 12): the API layer dies, the guardrail latches, the
trader opens the Restart screen (IBC found through the config.ini the app is pointed at), clicks "Restart IB
Gateway", and watches the steps tick: IBC asked, the Gateway closed, listening again, the session back (green).
The simulator is the judge: one RESTART on its IBC port, one restart, exactly one new API connection after it.
Screenshots of each step: target/e2e/restart-<n>-<step>.png."""

import time
from pathlib import Path

import pytest
from gdsim import Sim


@pytest.fixture
def ibc_sim():
    # IBC restarts the Gateway a moment after answering (the real one waits for the next minute), and the
    # Gateway stays down for 2 s: long enough for each step to be on screen.
    sim = Sim("--ibc", "127.0.0.1:0", "--ibc-restart-after-ms", "1500", "--ibc-restart-down-ms", "2000")
    yield sim
    sim.stop()


def step_state(app, step: str) -> str:
    return app.attr(f'#restart-run-steps li[data-step="{step}"]', "data-state")


# Records every distinct picture of the step list, from inside the page: the test then checks the order the
# steps went through, whatever the speed of the machine (a WebDriver poll can miss a step that lasts 1.5 s).
RECORD_STEPS = """
window.__restartSteps = [];
const snap = () => Array.from(document.querySelectorAll('#restart-run-steps li'))
  .map((li) => `${li.dataset.step}:${li.dataset.state}`).join(' ');
const record = () => {
  const now = snap();
  const log = window.__restartSteps;
  if (now && log[log.length - 1] !== now) log.push(now);
};
new MutationObserver(record).observe(document.getElementById('restart-run'),
  { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
record();
"""


def active_steps(pictures: list[str]) -> list[str]:
    """The steps that were active, in the order they became active."""
    seen: list[str] = []
    for picture in pictures:
        for item in picture.split():
            step, state = item.split(":")
            if state == "active" and step not in seen:
                seen.append(step)
    return seen


def test_a_dead_api_layer_is_restarted_through_ibc_with_one_click(launch, ibc_sim, tmp_path: Path):
    sim = ibc_sim
    config_ini = tmp_path / "ibc" / "config.ini"
    config_ini.parent.mkdir()
    config_ini.write_text(f"# IBC for the test\nTradingMode=paper\nCommandServerPort={sim.ibc_port}\n")
    app = launch({
        "IBKR_PORT": str(sim.port),
        "IBKR_CLIENT_ID": "7",
        "IBKR_TIMEOUT": "1",
        "IBKR_MAX_TIMEOUTS": "2",
        "GATEWAY_DOCTOR_IBC_CONFIG": str(config_ini),
    })
    app.click("#primary-action")
    app.wait("the green light", lambda: app.light() == "green" and app.text("#fact-uptime") != "—")
    app.shot("restart-1-connected")

    # The field report's failure: the API layer goes silent and drops the session; the guardrail latches.
    sim.call({"command": "set_fault", "fault": "silent"})
    sim.call({"command": "drop_all"})
    app.wait("the red light", lambda: app.light() == "red", timeout=40)
    app.wait("the guardrail message",
             lambda: "Gateway API layer is unresponsive" in app.text("#status-title"), timeout=40)
    app.shot("restart-2-unresponsive")

    app.click("#primary-action")  # "How to restart Gateway"
    assert "Gateway API layer is unresponsive" in app.text("#restart-why")
    app.wait("IBC found", lambda: "command server is on" in app.text("#ibc-summary"))
    assert str(config_ini) in app.text("#ibc-summary")
    assert "no new login" in app.text("#restart-login-note")
    app.shot("restart-3-ibc-found")
    accepted = sim.stats()["accepted"]

    app.driver.execute_script(RECORD_STEPS)
    app.click("#restart-ibc")
    app.wait("IBC accepted", lambda: step_state(app, "asking") == "done")
    app.shot("restart-4-asked")
    app.wait("the Gateway closed", lambda: step_state(app, "down") == "done")
    app.shot("restart-5-down")
    app.wait("listening again", lambda: step_state(app, "listening") == "done", timeout=20)
    app.wait("the session back", lambda: step_state(app, "session") == "done", timeout=20)
    pictures = app.driver.execute_script("return window.__restartSteps")
    # Each step was shown as the one in progress, one after the other, and the run ended with all done.
    assert active_steps(pictures) == ["asking", "down", "listening", "session"], pictures
    assert all(item.endswith(":done") for item in pictures[-1].split()), pictures
    assert app.attr("#restart-run", "data-result") == "back"
    assert "session is back" in app.text("#restart-run-message")
    app.shot("restart-6-back")
    app.click("#nav-status")
    app.wait("the green light", lambda: app.light() == "green" and app.text("#fact-uptime") != "—")
    app.shot("restart-7-green")

    stats = sim.stats()
    assert stats["ibc"]["restart"] == 1, stats["ibc"]
    assert stats["restarts"] == 1
    assert stats["accepted"] == accepted + 1, "exactly one new connection after the restart"
    time.sleep(1)
    assert sim.stats()["accepted"] == accepted + 1, "and no more after it"
