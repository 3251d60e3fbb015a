# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of aisec.ollama.ollama_endpoint_audit: passes the advisory data read on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aisec.ollama.plugins.plugin_utils.advisory_action import AdvisoryDataAction


class ActionModule(AdvisoryDataAction):

    MODULE = 'aisec.ollama.ollama_endpoint_audit'
