"""Run a module's main() in-process, the way every module test here does."""

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ExitJson(Exception):
    """exit_json was called; args[0] is the result."""


class FailJson(Exception):
    """fail_json was called; args[0] is the result (msg, failed=True)."""


@pytest.fixture
def module_runner(monkeypatch):
    """``run(main, args, fail=False, check=False, diff=False)`` -> the module's result dict.

    Warnings the module emits are returned under ``warnings`` (module.warn is recorded here
    rather than through Ansible's global warning state, which other tests may switch to the
    controller's display).
    """

    def warnings_of(module):
        return list(module.__dict__.get("_test_warnings", []))

    def exit_json(self, **kwargs):
        kwargs.setdefault("warnings", warnings_of(self))
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.update(msg=msg, failed=True)
        kwargs.setdefault("warnings", warnings_of(self))
        raise FailJson(kwargs)

    def warn(self, warning, *args, **kwargs):
        self.__dict__.setdefault("_test_warnings", []).append(warning)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", warn)

    def run(main, args, fail=False, check=False, diff=False):
        args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(args), pytest.raises(FailJson if fail else ExitJson) as caught:
            main()
        return caught.value.args[0]

    return run
