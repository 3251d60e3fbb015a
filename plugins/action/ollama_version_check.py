# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of aisec.ollama.ollama_version_check.

Reads the advisory data file on the controller (the collection's data/advisories.yml, or
``advisory_file``), validates it, and hands the parsed content to the module in the internal
``_advisory_data`` option, so the module works on any target without the data file or PyYAML.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv

display = Display()

MODULE = 'aisec.ollama.ollama_version_check'


class ActionModule(ActionBase):

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

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used

        args = dict(self._task.args)
        for internal in ('_advisory_data', '_advisory_path'):
            if internal in args:
                result.update(failed=True, msg='%s is set by the action plugin, not by tasks' % internal)
                return result

        bundled = adv.default_advisory_path()
        wanted = args.get('advisory_file')
        path = self._resolve(wanted) if wanted else bundled
        try:
            data = adv.load_advisory_file(path)
        except adv.AdvisoryDataError as exc:
            result.update(failed=True, msg=str(exc), data_file=path)
            return result

        warnings = []
        if wanted and os.path.exists(bundled):
            try:
                bundled_date = adv.load_advisory_file(bundled)['last_refreshed']
            except adv.AdvisoryDataError:
                bundled_date = None
            if bundled_date and data['last_refreshed'] < bundled_date:
                warnings.append('advisory_file %s (refreshed %s) is older than the data bundled with the '
                                'collection (refreshed %s)' % (path, data['last_refreshed'], bundled_date))

        args['advisory_file'] = path
        args['_advisory_data'] = data
        args['_advisory_path'] = path
        module_result = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        result.update(module_result)
        if warnings:
            result['warnings'] = warnings + list(result.get('warnings') or [])
        return result
