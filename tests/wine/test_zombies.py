"""`gateway-doctor.exe zombies` and `clean` under Wine, on a REAL stale connection: a native Linux program
(holder.py) connected to the native gateway-sim, the simulator closed its side, and the program keeps its
end open, so Linux itself shows that socket in CLOSE_WAIT.

Wine 8 fills in no owner for the rows of the Windows TCP table (pid 0), so the Windows CLI sees the stale
connection but not who holds it: it must list it, and `clean` must refuse to end an owner it cannot verify
(code OWNER_UNKNOWN), leaving the program running and the connection in its list of what remains."""

import re

from programs import close_wait_state


def client_zombie_ports(zombies: list[dict]) -> list[tuple[int, int]]:
    return [(z["local_port"], z["remote_port"]) for z in zombies if z["side"] == "client"]


def test_zombies_lists_the_stale_connection_a_linux_program_holds(doctor, sim, stale_holder):
    run = doctor("zombies", "--port", str(sim.port), "--json")
    assert run.code == 1, f"a stale connection was found: exit 1\n{run}"
    scan = run.json()
    assert client_zombie_ports(scan["zombies"]) == [(stale_holder.port, sim.port)], run
    for zombie in scan["zombies"]:
        assert zombie["state"] == "close_wait", zombie
        assert 0 not in zombie["pids"], f"pid 0 is Wine's 'no owner', never an owner: {zombie}"


def test_clean_refuses_an_owner_it_cannot_verify_and_leaves_the_program_running(doctor, sim, stale_holder):
    run = doctor("clean", "--port", str(sim.port), "--json", "--yes")
    assert run.code == 1, f"a stale connection is left: exit 1\n{run}"
    out = run.json()
    report = out["result"] or out["plan"]
    assert (stale_holder.port, sim.port) in client_zombie_ports(report["remaining_client_zombies"]), run
    # The code, whether it comes as an error code (OWNER_UNKNOWN) or as the refusal reason (owner_unknown).
    assert re.search(r"\bOWNER_UNKNOWN\b", run.stdout, re.IGNORECASE), f"no OWNER_UNKNOWN in the output:\n{run}"
    assert stale_holder.alive(), "the program holding the stale connection was ended"
    assert close_wait_state(stale_holder.port, sim.port) is True, "its stale connection is still there"
