"""`returnbridge doctor`'s email check against odoo-emu (17 and 18), not a
replay: the API user's email is written through JSON-RPC as a person would
in Settings > Users, and doctor reads it back from res.users. Odoo refuses
to post a credit note for a user without one (shared/odoo-contract)."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "odoo"))
from odoo_emu import Emulator  # noqa: E402
from odoo_scenario import find, ok  # noqa: E402

from conftest import RB_BIN  # noqa: E402


@pytest.fixture(params=["17", "18"])
def emu(request, tmp_path):
    e = Emulator(request.param, str(tmp_path)).start()
    yield e
    e.stop()


def doctor(tmp_path, emu):
    cfg = tmp_path / "rb.ini"
    cfg.write_text("[store]\npath = rb.db\n\n[odoo]\nurl = http://127.0.0.1:%d\n"
                   "database = rbtest\nuser = admin\napi_key = admin\nread_attempts = 1\n"
                   % emu.port)
    return subprocess.run([RB_BIN, "doctor", "-c", str(cfg)], capture_output=True,
                          text=True, cwd=str(tmp_path))


def set_email(emu, email):
    uid = find(emu, "res.users", [["login", "=", "admin"]], fields=["id"])[0]["id"]
    ok(emu.execute("res.users", "write", [uid], {"email": email}))
    assert find(emu, "res.users", [["id", "=", uid]], fields=["email"])[0]["email"] == email


def test_doctor_reads_the_users_email(tmp_path, emu):
    set_email(emu, "returns-bot@shop.example")
    r = doctor(tmp_path, emu)
    assert "ok    user email: the user has the email address returns-bot@shop.example" in r.stdout, \
        r.stdout + r.stderr


def test_doctor_fails_without_an_email(tmp_path, emu):
    set_email(emu, False)
    r = doctor(tmp_path, emu)
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'FAIL  user email: user "admin" has no email address' in r.stdout
    assert "Settings > Users" in r.stdout
