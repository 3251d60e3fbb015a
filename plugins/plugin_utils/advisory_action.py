# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller half of the modules that judge versions against the advisory data.

Reads the advisory file on the controller (the collection's data/advisories.yml, or the task's
``advisory_file``), validates it, and hands the parsed data to the module in the internal
``_advisory_data`` option, so the module runs on any host without the file or PyYAML.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv

_INTERNAL = ('_advisory_data', '_advisory_path')


class AdvisoryDataAction(ActionBase):
    """Subclasses set MODULE to the module they run."""

    MODULE = None
    TRANSFERS_FILES = False
    _requires_connection = True

    def _resolve(self, path):
        """A controller path; relative ones are looked up like other controller files."""
        path = os.path.expanduser(path)
        if os.path.isabs(path):
            return path
        try:
            return self._find_needle('files', path)
        except AnsibleError:
            return self._loader.path_dwim(path)

    @staticmethod
    def _staleness_warning(path, data):
        """A warning when a given advisory_file is older than the bundled data."""
        bundled = adv.default_advisory_path()
        if path == bundled or not os.path.exists(bundled):
            return None
        try:
            bundled_date = adv.load_advisory_file(bundled)['last_refreshed']
        except adv.AdvisoryDataError:
            return None
        if data['last_refreshed'] < bundled_date:
            return ('advisory_file %s (refreshed %s) is older than the data bundled with the collection '
                    '(refreshed %s)' % (path, data['last_refreshed'], bundled_date))
        return None

    def run(self, tmp=None, task_vars=None):
        result = super(AdvisoryDataAction, self).run(tmp, task_vars)
        del tmp  # not used

        args = dict(self._task.args)
        for internal in _INTERNAL:
            if internal in args:
                result.update(failed=True, msg='%s is set by the action plugin, not by tasks' % internal)
                return result

        wanted = args.get('advisory_file')
        path = self._resolve(wanted) if wanted else adv.default_advisory_path()
        try:
            data = adv.load_advisory_file(path)
        except adv.AdvisoryDataError as exc:
            result.update(failed=True, msg=str(exc), data_file=path)
            return result

        args.update(advisory_file=path, _advisory_data=data, _advisory_path=path)
        result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars))
        warning = self._staleness_warning(path, data) if wanted else None
        if warning:
            result['warnings'] = [warning, *(result.get('warnings') or [])]
        return result
