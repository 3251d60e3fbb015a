# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ollama_discovery
short_description: Find Ollama servers in address ranges and group them by exposure
version_added: 0.3.0
description:
  - Scans the given networks and ports from the controller and adds a host for every address where
    Ollama answers, named by its address (C(ansible_host) is the address).
  - Group C(ollama_exposed) holds hosts where Ollama answers without credentials (identified the way
    M(aisec.ollama.ollama_endpoint_audit) identifies it, from C(/api/version), the banner and C(/api/tags)).
  - Group C(ollama_protected) holds hosts where something identifiable as Ollama refuses anonymous
    clients. Without credentials that can be known in two ways only, named in each endpoint's
    C(identified_by) - Ollama's own C(/api/version) or banner still answers while C(/api/tags) is
    refused, or the authentication challenge's realm names Ollama (the aisec.ollama.proxy default,
    C(proxy_auth_realm=Ollama); a realm is the server's claim, not a proof).
  - Group C(ollama_unidentified) holds hosts whose listed port answers C(/api/version) with an
    authentication challenge or a refusal that names nothing - what is behind cannot be known without
    credentials, so it is neither called Ollama nor dropped.
  - Only reads are sent (C(GET /api/version), C(GET /), C(GET /api/tags)); nothing on a server changes.
    A TCP sweep runs first in one thread with bounded concurrency, so addresses where nothing listens
    cost one connection attempt, one that never answers costs at most O(timeout), and memory stays flat
    whatever the range.
  - Hostvar C(ollama_discovery) holds C(address) and C(endpoints), a list of
    C({port, scheme, verdict, version, models_visible, identified_by}) with verdict one of
    C(exposed), C(protected), C(unidentified), C(not_ollama), C(no_answer).
  - The inventory source file must be named C(*.ollama_discovery.yml) or C(*.ollama_discovery.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as a source for this plugin.
    type: str
    required: true
    choices: [aisec.ollama.ollama_discovery]
  networks:
    description: Addresses and CIDRs to scan, IPv4 or IPv6 (C(10.20.0.0/16), C(192.168.7.12), C(fd00::/120)).
    type: list
    elements: str
    required: true
  exclude:
    description: Addresses and CIDRs never contacted.
    type: list
    elements: str
    default: []
  ports:
    description:
      - TCP ports to look at on every address. Port 443 is tried with HTTPS; any other port with HTTP
        first and HTTPS when it turns out to be a TLS port.
    type: list
    elements: int
    default: [11434]
  timeout:
    description: Seconds per connection attempt and per answer.
    type: float
    default: 1.0
  concurrency:
    description: Connection attempts in flight at once (the identification pass uses at most 64 threads).
    type: int
    default: 256
  max_addresses:
    description:
      - The scan refuses networks holding more addresses than this, before sending anything (a mistyped
        C(/8) or an IPv6 C(/64)).
    type: int
    default: 262144
"""

EXAMPLES = r"""
# inventory/lab.ollama_discovery.yml
plugin: aisec.ollama.ollama_discovery
networks: [10.20.0.0/16, 192.168.7.12]
exclude: [10.20.99.0/24]
ports: [11434, 443]
timeout: 1.0
# Harden every exposed server found:
#   ansible-playbook -i inventory/lab.ollama_discovery.yml playbooks/harden.yml -e harden_hosts=ollama_exposed
keyed_groups:
  - key: ollama_discovery.endpoints | map(attribute='version') | select | first | default('unknown')
    prefix: ollama_version
compose:
  ollama_models_visible: ollama_discovery.endpoints | map(attribute='models_visible') | select | sum
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/aisec-ollama-discovery
cache_timeout: 3600
"""

from ansible.errors import AnsibleParserError  # noqa: E402
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable  # noqa: E402
from ansible.utils.display import Display  # noqa: E402
from ansible_collections.aisec.ollama.plugins.plugin_utils import discovery  # noqa: E402

display = Display()

GROUPS = {discovery.EXPOSED: 'ollama_exposed', discovery.PROTECTED: 'ollama_protected',
          discovery.UNIDENTIFIED: 'ollama_unidentified'}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'aisec.ollama.ollama_discovery'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(
            ('.ollama_discovery.yml', '.ollama_discovery.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        hosts = None
        if use_cache and cache:
            hosts = self._cache.get(cache_key)
        if hosts is None:
            hosts = self._scan()
            if use_cache:
                self._cache[cache_key] = hosts
        self._populate(hosts)

    def _scan(self):
        if self.get_option('timeout') <= 0 or self.get_option('concurrency') < 1:
            raise AnsibleParserError('ollama_discovery: timeout must be above 0 and concurrency at least 1')
        try:
            hosts, counts = discovery.scan(
                self.get_option('networks'), ports=self.get_option('ports'), exclude=self.get_option('exclude'),
                timeout=self.get_option('timeout'), concurrency=self.get_option('concurrency'),
                max_addresses=self.get_option('max_addresses'))
        except discovery.DiscoveryError as exc:
            raise AnsibleParserError('ollama_discovery: %s' % exc) from None
        display.v('ollama_discovery: %s' % ', '.join('%s=%d' % item for item in sorted(counts.items())))
        return hosts

    def _populate(self, hosts):
        strict = self.get_option('strict')
        for group in GROUPS.values():
            self.inventory.add_group(group)
        for address, endpoints in sorted(hosts.items()):
            self.inventory.add_host(address)
            self.inventory.set_variable(address, 'ansible_host', address)
            record = {'address': address, 'endpoints': endpoints}
            self.inventory.set_variable(address, 'ollama_discovery', record)
            for verdict in sorted({e['verdict'] for e in endpoints}):
                if verdict in GROUPS:
                    self.inventory.add_child(GROUPS[verdict], address)
            hostvars = {'ansible_host': address, 'ollama_discovery': record}
            self._set_composite_vars(self.get_option('compose'), hostvars, address, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, address, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, address, strict=strict)
