"""Fixtures for the Odoo emulator's tests."""
import pytest

from odoo_emu import Emulator


@pytest.fixture(params=["17", "18"])
def emu(request, tmp_path):
    """A fresh emulator per profile, seeded like the recordings."""
    e = Emulator(request.param, str(tmp_path)).start()
    yield e
    e.stop()
