"""Start the emulator as a real subprocess on loopback with a private copy of the fixture store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import Emulator, emulators


@pytest.fixture
def start_emulator(tmp_path):
    # Starts without ``sub`` share folder "a": a second start is a restart on the same store.
    with emulators(tmp_path, default_sub="a") as start:
        yield start


@pytest.fixture
def emu(start_emulator) -> Emulator:
    return start_emulator()
