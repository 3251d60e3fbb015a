"""Start the emulator as a real subprocess on loopback with a private copy of the fixture store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import Emulator


@pytest.fixture
def start_emulator(tmp_path):
    started: list[Emulator] = []

    def start(env: dict | None = None, bind: str = "127.0.0.1", sub: str = "a") -> Emulator:
        d = tmp_path / sub
        d.mkdir(exist_ok=True)
        emu = Emulator(d, env or {}, bind)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(start_emulator) -> Emulator:
    return start_emulator()
