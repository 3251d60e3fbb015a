"""Shared fixtures for the unit tests: the Ollama emulator on loopback."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))

from harness import emulators


@pytest.fixture
def start_emulator(tmp_path):
    """Start emulators (env overrides as a dict), each in its own folder; all are stopped after the test."""
    with emulators(tmp_path) as start:
        yield start
