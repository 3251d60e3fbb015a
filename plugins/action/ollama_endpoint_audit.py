# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of aisec.ollama.ollama_endpoint_audit.

Reads the advisory data on the controller (the collection's data/advisories.yml, or
``advisory_file``) and hands it to the module in ``_advisory_data``, so the module can run on
any host (a jump host, a CI runner) without the data file or PyYAML.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv

MODULE = 'aisec.ollama.ollama_endpoint_audit'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = True

    def _resolve(self, path):
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
        wanted = args.get('advisory_file')
        path = self._resolve(wanted) if wanted else adv.default_advisory_path()
        try:
            data = adv.load_advisory_file(path)
        except adv.AdvisoryDataError as exc:
            result.update(failed=True, msg=str(exc), data_file=path)
            return result
        args['advisory_file'] = path
        args['_advisory_data'] = data
        args['_advisory_path'] = path
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        return result
