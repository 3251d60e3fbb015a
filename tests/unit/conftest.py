"""Shared fixtures for the unit tests: the Ollama emulator on loopback."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))

from harness import Emulator


@pytest.fixture
def start_emulator(tmp_path):
    """Start emulators (env overrides as a dict); all are stopped after the test."""
    started = []

    def start(env=None, bind="127.0.0.1"):
        home = tmp_path / f"emulator-{len(started)}"
        home.mkdir()
        emulator = Emulator(home, env or {}, bind)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
