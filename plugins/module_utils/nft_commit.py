# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply one nftables table with a commit-confirm safety net.

apply():   save the live table as a restore script, arm a transient systemd timer that loads it
           after `timeout` seconds, then load the new table (one `nft -f` = one transaction).
confirm(): disarm the timer, make sure the new table is still the live one (the timer did not
           fire first), then write the persistent file that the boot unit loads.
verify():  whether the LOADED table is the rendered one. The table's comment carries the
           rendering's hash, but a comment survives `nft flush chain`/`delete rule`, so after every
           confirmed load the live stateless listing is recorded (RECORD_PATH) and later runs
           compare the live listing with it: a table changed by hand, half-applied or loaded from
           an older file is found, and the module re-applies it.

Host access goes through the `run(argv, data=None) -> (rc, out, err)` callable (the module's
run_command) so unit tests can drive every path without nft or systemd.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible_collections.aisec.ollama.plugins.module_utils.nft_ruleset import (
    content_hash,
    normalise_listing,
    restore_script,
)

STATE_DIR = "/run/aisec-ollama-firewall"
RECORD_PATH = "/var/lib/aisec-ollama-firewall/loaded.nft"


class CommitError(Exception):
    """A step failed; the message says what happened to the rules."""


class Committer(object):
    def __init__(self, run, table, path, unit, state_dir=STATE_DIR, nft="nft", systemctl="systemctl",
                 systemd_run="systemd-run", record_path=None):
        self.run = run
        # Persistent (not under /run): a reboot loads the persisted file, whose listing must still
        # match. Next to the state directory when one is given (unit tests), else RECORD_PATH.
        self.record_path = record_path or (os.path.join(state_dir, "loaded.nft") if state_dir != STATE_DIR
                                           else RECORD_PATH)
        self.table = table
        self.path = path
        self.unit = unit
        self.state_dir = state_dir
        self.nft = nft
        self.systemctl = systemctl
        self.systemd_run = systemd_run

    @property
    def pending_path(self):
        return os.path.join(self.state_dir, "pending.nft")

    @property
    def rollback_path(self):
        return os.path.join(self.state_dir, "rollback.nft")

    # --- reading ---------------------------------------------------------------------------
    def live_listing(self):
        # type: () -> str | None
        rc, out, _err = self.run([self.nft, "list", "table", "inet", self.table])
        return out if rc == 0 else None

    def loaded_listing(self):
        # type: () -> str | None
        """The live table as nft lists it without state (no counters), normalised."""
        rc, out, _err = self.run([self.nft, "-s", "list", "table", "inet", self.table])
        return normalise_listing(out) if rc == 0 else None

    def recorded(self):
        # type: () -> str | None
        try:
            with open(self.record_path) as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def verify(self, content):
        # type: (str) -> str | None
        """None when the loaded table is `content` as it was loaded and confirmed, else why not."""
        expected = content_hash(content)
        live = self.loaded_listing()
        if live is None:
            return "table inet %s is not loaded" % self.table
        live_hash = content_hash(live)
        if live_hash != expected:
            return ("the loaded table carries hash %s, the rendered one is %s (loaded from another file, or an "
                    "older rendering)" % (live_hash, expected))
        record = self.recorded()
        if record is None or content_hash(record) != expected:
            return ("no record of this table having been loaded and confirmed (%s); it cannot be told apart "
                    "from a table changed by hand" % self.record_path)
        if record != live:
            return ("the loaded table's rules differ from the ones loaded and confirmed (changed by hand, "
                    "flushed or half-applied): %s" % _first_difference(record, live))
        return None

    def persisted(self):
        # type: () -> str | None
        try:
            with open(self.path) as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def pending(self):
        # type: () -> str | None
        try:
            with open(self.pending_path) as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def rollback_armed(self):
        # type: () -> bool
        rc, _out, _err = self.run([self.systemctl, "is-active", "--quiet", self.unit + ".timer"])
        return rc == 0

    def check(self, content):
        # type: (str) -> None
        """`nft -c`: the kernel's own parser checks the file without changing anything."""
        self._nft_file(content, check=True)

    # --- changing --------------------------------------------------------------------------
    def apply(self, content, timeout):
        # type: (str, int) -> dict
        if self.rollback_armed():
            raise CommitError(
                "a rollback from an earlier unconfirmed apply is still armed (%s.timer): wait for it to "
                "restore the previous rules, or confirm that apply, before applying again" % self.unit)
        previous = self.live_listing()
        self._mkdir()
        self._write(self.rollback_path, restore_script(self.table, previous))
        try:
            self._nft_file(restore_script(self.table, previous), check=True)
        except CommitError as exc:
            raise CommitError("the live table cannot be saved in a form nft reads back, so it could not be "
                              "restored; nothing was applied (%s)" % exc) from exc
        if timeout > 0:
            self.run([self.systemctl, "reset-failed", self.unit + ".timer", self.unit + ".service"])
            rc, _out, err = self.run([
                self.systemd_run, "--unit", self.unit, "--description",
                "aisec.ollama.firewall: restore the previous rules unless the new ones are confirmed",
                "--on-active", "%ds" % timeout, "--timer-property", "AccuracySec=1s",
                self.nft, "-f", self.rollback_path])
            if rc != 0:
                raise CommitError("could not arm the rollback timer with systemd-run (nothing applied): %s. "
                                  "Without systemd, set confirm_timeout to 0 to apply without the safety net."
                                  % err.strip())
        try:
            self._nft_file(content, check=False)
        except CommitError:
            self._disarm()
            raise
        if timeout > 0:
            self._write(self.pending_path, content)
            return {"pending": True, "previous_hash": content_hash(previous)}
        self._persist(content)
        self._record()
        return {"pending": False, "previous_hash": content_hash(previous)}

    def confirm(self):
        # type: () -> bool
        """Returns True when a pending apply was confirmed, False when none was pending."""
        content = self.pending()
        if content is None:
            return False
        self._disarm()
        live = content_hash(self.live_listing())
        if live != content_hash(content):
            self._remove(self.pending_path)
            raise CommitError("the confirmation came too late: the rollback timer already restored the "
                              "previous rules (live table hash %s). Nothing was persisted." % live)
        self._persist(content)
        self._record()
        self._remove(self.pending_path)
        self._remove(self.rollback_path)
        return True

    def persist(self, content):
        # type: (str) -> None
        self._persist(content)

    # --- helpers ---------------------------------------------------------------------------
    def _record(self):
        listing = self.loaded_listing()
        if listing is None:
            raise CommitError("table inet %s is not loaded right after loading it" % self.table)
        directory = os.path.dirname(self.record_path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        self._write(self.record_path, listing, 0o600)

    def _disarm(self):
        self.run([self.systemctl, "stop", self.unit + ".timer"])
        self.run([self.systemctl, "reset-failed", self.unit + ".timer", self.unit + ".service"])

    def _persist(self, content):
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        self._write(self.path, content, 0o644)

    def _mkdir(self):
        if not os.path.isdir(self.state_dir):
            os.makedirs(self.state_dir, 0o700)

    def _nft_file(self, content, check):
        fd, tmp = tempfile.mkstemp(prefix="aisec-ollama-", suffix=".nft")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
            argv = [self.nft] + (["-c"] if check else []) + ["-f", tmp]
            rc, _out, err = self.run(argv)
        finally:
            os.unlink(tmp)
        if rc != 0:
            raise CommitError("nft %s the ruleset, nothing was changed: %s"
                              % ("rejected" if check else "failed to load", err.strip()))

    @staticmethod
    def _write(path, content, mode=0o600):
        directory = os.path.dirname(path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".aisec-ollama-")
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(tmp, mode)
        os.rename(tmp, path)

    @staticmethod
    def _remove(path):
        try:
            os.unlink(path)
        except OSError:
            pass


def _first_difference(expected, live):
    # type: (str, str) -> str
    want, have = expected.splitlines(), live.splitlines()
    for index, line in enumerate(want):
        if index >= len(have):
            return "missing from line %d: %r" % (index + 1, line.strip())
        if have[index] != line:
            return "line %d is %r, expected %r" % (index + 1, have[index].strip(), line.strip())
    return "extra line %d: %r" % (len(want) + 1, have[len(want)].strip())
