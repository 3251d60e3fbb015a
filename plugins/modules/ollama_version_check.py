#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_version_check
short_description: Tell whether an Ollama installation is vulnerable, to what, and what to do
version_added: 0.2.0
description:
  - Finds the version of an Ollama installation and compares it with the collection's advisory
    data (C(data/advisories.yml), one file shared with the endpoint audit and the reports).
  - "The version comes from exactly one source: a given string (O(version)), the Ollama binary on
    the target (C(ollama -v), the default), a running server (O(url), C(GET /api/version)), or a
    container image (O(image) tag or O(image_labels)). RV(source) says which one was used."
  - Reports the advisories that apply, those without a fix (they need compensating controls
    whatever the version), the lowest version that fixes every fixable one, and the date of the
    advisory data.
  - Never changes anything on the target.
  - The advisory data is read on the controller by the action plugin of the same name and passed
    to the module, so the module also works on targets without the collection or PyYAML.
  - "Version strings: C(0.1.34), C(v0.33.0-rc2) (a leading v is ignored), pre-releases order
    before their release (C(0.17.1-rc2) < C(0.17.1)), C(-rc2) and C(-rc.2) are the same, and a
    C(git describe) build such as C(0.1.34-5-gabc1234) sorts after its tag. Anything else fails."
  - C(0.0.0) is what a source build reports. It cannot be compared with fixed versions, so only
    the advisories without a fix are listed, RV(vulnerable) is V(null) with a warning, and a
    O(fail_on_severity) gate fails. Pass O(version) with the release the build is based on instead.
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode runs the same read-only checks.
  diff_mode:
    support: none
  platform:
    platforms: posix
  action:
    support: full
    details: The action plugin reads the advisory data file on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
options:
  version:
    description:
      - The version to judge, for example V(0.1.33) or V(v0.33.0-rc2).
      - Mutually exclusive with O(binary), O(url), O(image) and O(image_labels).
    type: str
  binary:
    description:
      - Ollama binary to run with C(-v) on the target. A name is looked up on E(PATH) and in
        C(/usr/local/bin), C(/usr/bin) and C(/bin).
      - This source is used when none of O(version), O(url), O(image) or O(image_labels) is given.
      - C(ollama -v) asks the server at E(OLLAMA_HOST) for its version. When that server answers
        with a different version than the binary's own, the older of the two is judged and both are
        returned in RV(source_detail).
    type: str
    default: ollama
  url:
    description:
      - Base URL of a running Ollama server (or of the proxy in front of it), for example
        V(http://127.0.0.1:11434). C(/api/version) is appended unless the URL already ends with it.
      - Redirects are followed only within the same origin (scheme, host and port), with the same
        headers and credentials. A redirect to another origin - including C(http) to C(https) on
        the same host - fails with the address it points to, so that O(headers), O(url_password)
        and basic-auth headers are never sent to another server; set O(url) to that address.
      - Use C(delegate_to) to query remote servers from the controller.
    type: str
  headers:
    description:
      - Extra HTTP headers for O(url), for example an API key header a proxy expects.
      - The values are treated as secrets (C(no_log)) - masked wherever they appear in the output,
        so avoid short non-secret values here.
    type: dict
  url_username:
    description:
      - User name for HTTP basic authentication with O(url).
    type: str
  url_password:
    description:
      - Password for HTTP basic authentication with O(url).
    type: str
  force_basic_auth:
    description:
      - Send the basic authentication header with the first request instead of waiting for a 401.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the TLS certificate of O(url).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of certificate authorities to trust for O(url).
    type: path
  timeout:
    description:
      - Seconds to wait for O(url).
    type: int
    default: 10
  image:
    description:
      - Container image reference, for example V(ollama/ollama:0.32.15). Its tag is the version
        (variant suffixes such as C(-rocm) are dropped) unless O(image_labels) has a version label.
      - A tag that is not a version (V(latest), V(rocm)) or a digest-only reference fails; give
        O(image_labels) or O(version) then.
    type: str
  image_labels:
    description:
      - Labels of the image, for example the C(Labels) of C(podman image inspect).
        C(org.opencontainers.image.version) is read first.
    type: dict
  fail_on_severity:
    description:
      - Fail the task when an applicable advisory that an upgrade fixes is at or above this severity.
        Advisories without a fix count too when O(fail_on_unfixed=true).
      - Also fails when the version cannot be judged (C(0.0.0)).
      - When not set the task never fails because of advisories; read RV(vulnerable).
    type: str
    choices: [low, medium, high, critical]
  fail_on_unfixed:
    description:
      - Let O(fail_on_severity) also count advisories that no release fixes. They apply to every
        version, so the gate then fails unless each is listed in O(ignore) with the compensating
        control as its reason.
    type: bool
    default: false
  ignore:
    description:
      - Accepted risks. Each applicable advisory listed here (by id or alias) is moved from
        RV(advisories) to RV(accepted) and no longer counts for RV(vulnerable), the gate or
        RV(minimum_safe_version).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: Advisory id or alias, for example V(CVE-2024-39719) or V(GHSA-8hqg-whrw-pv92).
        type: str
        required: true
      reason:
        description: Why the risk is accepted (reported back in RV(accepted)).
        type: str
        required: true
  advisory_file:
    description:
      - Advisory data file on the controller (YAML, or JSON with a C(.json) name) to use instead of
        the one in the collection, for example one refreshed with C(tools/update-advisories).
      - A relative path is looked up like other controller files (playbook folder first).
    type: path
  _advisory_data:
    description:
      - Internal, set by the action plugin (the parsed advisory data). Tasks must not set it.
    type: dict
  _advisory_path:
    description:
      - Internal, set by the action plugin (the path of the advisory data file). Tasks must not set it.
    type: str
notes:
  - Advisories come from the Go vulnerability database, GitHub advisories and CVE records, with
    a confidence per entry (V verified, S secondary source, U unconfirmed). See
    RV(data_date) for the age of the data.
seealso:
  - name: Ollama advisory data
    description: The data file and how to refresh it (docs/version-check.md in the collection).
    link: https://github.com/ollama/ollama/security
'''

EXAMPLES = r'''
- name: Check the Ollama installed on the target
  aisec.ollama.ollama_version_check:
  register: ollama_version

- name: Show what applies
  ansible.builtin.debug:
    msg: >-
      Ollama {{ ollama_version.version }}: {{ ollama_version.advisories | map(attribute='id') | join(', ') }};
      upgrade to {{ ollama_version.minimum_safe_version | default('-', true) }}

- name: Gate a pipeline on critical advisories
  aisec.ollama.ollama_version_check:
    fail_on_severity: critical

- name: Ask a running server from the controller, through an authenticating proxy
  aisec.ollama.ollama_version_check:
    url: "https://{{ inventory_hostname }}:8443"
    url_username: audit
    url_password: "{{ vault_ollama_audit_password }}"
    force_basic_auth: true
    ca_path: /etc/pki/ollama-ca.pem
  delegate_to: localhost

- name: Judge a version string with accepted risks
  aisec.ollama.ollama_version_check:
    version: 0.17.0
    fail_on_severity: high
    ignore:
      - id: CVE-2026-7482
        reason: /api/create, /api/blobs and /api/push are closed at the proxy until the upgrade on 2026-12-01

- name: Check a container image by its labels
  aisec.ollama.ollama_version_check:
    image: "docker.io/ollama/ollama@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    image_labels: "{{ (inspected.stdout | from_json)[0].Labels }}"

- name: Use a newer advisory file kept next to the playbook
  aisec.ollama.ollama_version_check:
    advisory_file: files/advisories.yml
'''

RETURN = r'''
version:
  description: The version judged, normalised (no leading v).
  returned: success
  type: str
  sample: 0.1.33
source:
  description: Where the version came from.
  returned: success
  type: str
  choices: [string, binary, url, image]
  sample: binary
source_detail:
  description: >-
    Details of the source: the binary path and the server and client versions it printed, the URL
    asked, or the image and whether the tag or a label gave the version.
  returned: success
  type: dict
  sample: {binary: /usr/local/bin/ollama, server_version: 0.1.33, client_version: null}
vulnerable:
  description: >-
    V(true) when an advisory that an upgrade fixes applies (and is not accepted), V(false) when
    none does, V(null) when the version cannot be judged (C(0.0.0)). Advisories without a fix are
    not counted here: see RV(unfixed).
  returned: success
  type: bool
  sample: true
advisories:
  description: Every advisory that applies to the version and is not accepted, fixable or not.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Advisory id (CVE, GHSA, GO or CNVD).
      type: str
      sample: CVE-2024-37032
    aliases:
      description: Other ids of the same advisory.
      type: list
      elements: str
      sample: [GHSA-8hqg-whrw-pv92, GO-2024-2901]
    name:
      description: Common name, if any.
      type: str
      sample: Probllama
    summary:
      description: What the problem is.
      type: str
    kind:
      description: V(vulnerability), V(design) (unfixed by design) or V(configuration).
      type: str
    severity:
      description: One of none, low, medium, high, critical.
      type: str
      sample: critical
    cvss_score:
      description: Highest CVSS base score known from a cited source, or null.
      type: float
      sample: 8.8
    cvss:
      description: CVSS entries with version, vector, score and source.
      type: list
      elements: dict
    confidence:
      description: V (verified), S (secondary source), U (unconfirmed) or - (not a version issue).
      type: str
    endpoints:
      description: >-
        Affected endpoints (all, read, inference, pull, push, create, copy, delete, blobs,
        account, experimental).
      type: list
      elements: str
      sample: [pull, push]
    endpoint_classes:
      description: Classes of the affected endpoints (management, inference, ...).
      type: list
      elements: str
      sample: [management]
    fixed_in:
      description: First fixed version of the range the version is in; null when no release fixes it.
      type: str
      sample: 0.1.34
    mitigation:
      description: What to do.
      type: str
    close_endpoints:
      description: Endpoints a proxy must close as the compensating control.
      type: list
      elements: str
    compensating_control:
      description: The compensating control in words.
      type: str
    references:
      description: Links.
      type: list
      elements: str
unfixed:
  description: >-
    The RV(advisories) that no release fixes: they apply whatever the version and need the
    compensating control (close the named endpoints, bind to loopback, firewall, proxy auth).
    Same fields as RV(advisories).
  returned: success
  type: list
  elements: dict
accepted:
  description: Applicable advisories listed in O(ignore), same fields as RV(advisories) plus C(reason).
  returned: success
  type: list
  elements: dict
minimum_safe_version:
  description: >-
    Lowest version that fixes every applicable fixable advisory (accepted ones excluded), or null
    when none applies. For C(0.0.0), the lowest release that fixes every fixable advisory.
  returned: success
  type: str
  sample: 0.17.1
data_date:
  description: Date the advisory data was last refreshed.
  returned: success
  type: str
  sample: '2026-11-26'
data_file:
  description: The advisory data file read on the controller.
  returned: success
  type: str
gate_reasons:
  description: Why O(fail_on_severity) failed the task (empty when it did not).
  returned: always
  type: list
  elements: str
  sample: ['CVE-2026-7482 (critical, fixed in 0.17.1)']
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils.ollama_version import (  # noqa: E402
    SourceError,
    VersionError,
    find_version,
)


def argument_spec():
    return dict(
        version=dict(type='str'),
        binary=dict(type='str', default='ollama'),
        url=dict(type='str'),
        headers=dict(type='dict', no_log=True),
        url_username=dict(type='str'),
        url_password=dict(type='str', no_log=True),
        force_basic_auth=dict(type='bool', default=False),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='int', default=10),
        image=dict(type='str'),
        image_labels=dict(type='dict'),
        fail_on_severity=dict(type='str', choices=['low', 'medium', 'high', 'critical']),
        fail_on_unfixed=dict(type='bool', default=False),
        ignore=dict(type='list', elements='dict', default=[], options=dict(
            id=dict(type='str', required=True),
            reason=dict(type='str', required=True),
        )),
        advisory_file=dict(type='path'),
        # Set by the action plugin: the parsed data file and its path.
        _advisory_data=dict(type='dict'),
        _advisory_path=dict(type='str'),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[
            ('version', 'url', 'image', 'binary'),
            ('version', 'url', 'image_labels', 'binary'),
        ],
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False, gate_reasons=[])

    raw_data = params['_advisory_data']
    data_path = params['_advisory_path']
    try:
        if raw_data is None:
            # Run without the action plugin (a local test): read the collection's own file.
            data_path = params['advisory_file'] or adv.default_advisory_path()
            data = adv.load_advisory_file(data_path)
        else:
            data = adv.validate_advisory_data(raw_data, source=data_path or 'advisory data')
    except adv.AdvisoryDataError as exc:
        module.fail_json(msg=str(exc), **result)
    result['data_file'] = data_path

    try:
        version, source, detail, warnings = find_version(module, params)
    except (SourceError, VersionError) as exc:
        module.fail_json(msg=str(exc), **result)
    for warning in warnings:
        module.warn(warning)

    try:
        verdict = adv.evaluate(version, data, ignore=params['ignore'],
                               fail_on_severity=params['fail_on_severity'],
                               fail_on_unfixed=params['fail_on_unfixed'])
    except ValueError as exc:
        module.fail_json(msg=str(exc), **result)
    for warning in verdict.pop('warnings'):
        module.warn(warning)
    gate_failed = verdict.pop('gate_failed')
    result.update(verdict)
    result.update(source=source, source_detail=detail)

    if gate_failed:
        module.fail_json(
            msg='Ollama %s fails fail_on_severity=%s: %s%s' % (
                result['version'], params['fail_on_severity'], '; '.join(result['gate_reasons']),
                '. Upgrade to %s or later' % result['minimum_safe_version'] if result['minimum_safe_version'] else ''),
            **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
