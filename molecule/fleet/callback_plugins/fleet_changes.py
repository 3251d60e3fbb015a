"""Test-only callback of molecule/fleet: for every ansible-playbook run, which tasks reported a
change on which host, and whether the run was in check mode. tests/test_fleet.py compares the
check run's prediction with the real run."""

import json
import os
import time

from ansible import context
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: fleet_changes
type: aggregate
short_description: record the changed tasks of each run (molecule/fleet only)
description:
  - Writes one JSON file per playbook run into the directory named by FLEET_CHANGES_DIR.
requirements:
  - enabled through ANSIBLE_CALLBACKS_ENABLED
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fleet_changes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._playbook = None
        self._changed = {}

    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.basename(playbook._file_name)

    def v2_runner_on_ok(self, result):
        if result._result.get("changed"):
            self._changed.setdefault(result._host.get_name(), []).append(result._task.get_name())

    def v2_playbook_on_stats(self, stats):
        directory = os.environ.get("FLEET_CHANGES_DIR")
        if not directory:
            return
        os.makedirs(directory, exist_ok=True)
        record = {"playbook": self._playbook, "check": bool(context.CLIARGS.get("check")), "changed": self._changed}
        path = os.path.join(directory, f"{time.time_ns()}-{self._playbook}.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
