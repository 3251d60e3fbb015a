#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_config
short_description: Manage Ollama server settings as a systemd drop-in or a container env file
version_added: 0.2.0
description:
  - Writes Ollama's server environment variables to a systemd drop-in (C([Service]) with one
    C(Environment=) line per variable, quoted with systemd's escaping) or to an env file for
    C(podman run --env-file) / C(docker run --env-file).
  - Every variable is validated the way Ollama (C(envconfig), v0.32.x) reads it, and refused when
    Ollama would silently read something else - an out-of-range port that becomes 11434, a
    boolean typo that counts as true, an integer that is ignored, an C(OLLAMA_ORIGINS) entry
    that stops the server from starting. C(OLLAMA_HOST) is parsed exactly like C(envconfig.Host())
    (C(http://host) without port is port 80, C(https://host) 443, C(:1234) every interface).
  - Variables Ollama removed (C(OLLAMA_TMPDIR), C(OLLAMA_MULTIUSER_CACHE), C(OLLAMA_NEW_ENGINE))
    are refused; unknown variables give a warning, or fail with O(strict=true).
  - Values are stored the way Ollama reads them (spaces and surrounding quotes trimmed).
  - Reports insecure values it sees as warnings and in RV(insecure) - a non-loopback bind,
    an C(OLLAMA_ORIGINS) wildcard, C(OLLAMA_DEBUG_LOG_REQUESTS) on, C(OLLAMA_NO_CLOUD) not set.
  - "Systemd applies the drop-ins of a unit in lexical order of their names and a later
    C(Environment=) wins, so C(override.conf) (what C(systemctl edit) writes) overrides
    C(aisec.conf). With O(format=systemd) the module looks for later drop-ins in the same
    directory that set a managed variable to another value and, by O(conflicts), fails
    (default), warns, or comments those lines out (C(takeover), with a backup of each file)."
  - The module does not reload systemd or restart anything. RV(restart_required) says whether the
    effective settings changed; the caller runs C(systemctl daemon-reload) and restarts Ollama
    (the C(aisec.ollama.server) role's handler C(Restart ollama) does both).
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the file before and after (proxy credentials masked), and files taken over.
  platform:
    platforms: posix
options:
  path:
    description:
      - The file to manage. For O(format=env) set it to the env file of the container.
    type: path
    default: /etc/systemd/system/ollama.service.d/aisec.conf
  format:
    description:
      - V(systemd) writes a drop-in (C([Service]) and C(Environment="KEY=value") lines).
      - V(env) writes C(KEY=value) lines for C(--env-file) (values taken literally, no quoting).
    type: str
    choices: [systemd, env]
    default: systemd
  settings:
    description:
      - "Variables and values, for example C({OLLAMA_HOST: 127.0.0.1:11434, OLLAMA_NO_CLOUD: true}).
        Booleans are written C(true)/C(false), numbers as text."
      - With O(state=absent), the variables to remove (values are ignored); when empty the whole
        file is removed.
    type: dict
    default: {}
  state:
    description:
      - V(present) sets the given variables; V(absent) removes them (or the file).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also remove variables in the file that O(settings) does not list.
    type: bool
    default: false
  strict:
    description:
      - Fail on variables that are not in the catalogue of Ollama server variables, instead of
        warning.
    type: bool
    default: false
  conflicts:
    description:
      - What to do when another file of the unit defeats O(path) - a later drop-in or an
        C(EnvironmentFile=) that sets a managed variable to another value (it would win), or any
        file of the unit that sets a O(guarded) variable insecurely.
      - V(fail) stops before any change and names the file and line; V(warn) writes anyway;
        V(takeover) comments the conflicting lines out (keeping other variables of the line) and
        saves a backup of each changed file next to it (the unit file and environment files
        included).
      - Only used with O(format=systemd).
    type: str
    choices: [fail, warn, takeover]
    default: fail
  network_namespace:
    description:
      - Where Ollama binds C(OLLAMA_HOST).
      - V(host) (default) - in the host's network namespace, so a non-loopback bind is reported as
        insecure.
      - V(container) - in a container's own namespace (an O(format=env) file for C(--env-file)).
        Ollama must bind 0.0.0.0 there to be reachable through the published port, and the publish
        decides who reaches it, so the bind is not reported. The other findings still are.
    type: str
    choices: [host, container]
    default: host
  guarded:
    description:
      - Security-relevant variables checked in every place the unit can get them from (the unit
        file, every drop-in of the unit in C(/etc), C(/run) and C(/usr/lib) C(systemd/system), and
        the files named by C(EnvironmentFile=)), with O(format=systemd).
      - A guarded variable that O(settings) does not set is a conflict wherever it is set to a value
        that lowers security (a non-loopback C(OLLAMA_HOST), any C(OLLAMA_ORIGINS),
        C(OLLAMA_REMOTES) or C(OLLAMA_MODELS), C(OLLAMA_DEBUG) or C(OLLAMA_DEBUG_LOG_REQUESTS) on,
        C(OLLAMA_NO_CLOUD) off); O(conflicts) decides what happens.
      - Variables that O(settings) sets are conflicts where they would win with another value (a
        later drop-in, or an C(EnvironmentFile=), which overrides every C(Environment=)).
      - Set V([]) to check only the variables of O(settings).
    type: list
    elements: str
    default:
      - OLLAMA_HOST
      - OLLAMA_ORIGINS
      - OLLAMA_DEBUG_LOG_REQUESTS
      - OLLAMA_DEBUG
      - OLLAMA_NO_CLOUD
      - OLLAMA_REMOTES
      - OLLAMA_MODELS
    version_added: 0.2.0
  mode:
    description:
      - Mode of the file. Default V(0644), or V(0600) when a proxy URL carries credentials.
    type: raw
notes:
  - Values stay visible in RV(settings), the diff and C(invocation), except the user and password
    of proxy URLs (C(HTTP_PROXY), C(HTTPS_PROXY) - everything between C(://) and the last C(@), so a
    password containing C(@), C(:) or C(/) is masked whole) and the values of unknown variables
    named like a secret (C(*PASSWORD*), C(*TOKEN*), C(*SECRET*), C(*API_KEY*), C(*CREDENTIAL*)).
    A rejected proxy URL is shown in the error the same way.
  - O(settings) is C(no_log), so the line the module logs on the target (journal/syslog) does not
    include it at all; the result still shows every key and every non-secret value.
  - C(systemctl show) prints every value to any local user, so do not put secrets in the service
    environment.
  - Drop-ins of the generic C(service.d) directories, C(systemctl set-environment) and values with
    specifiers are not searched; the C(aisec.ollama.server) role checks the running process's
    environment (C(/proc/PID/environ)) after every run.
seealso:
  - name: systemd.exec Environment=
    description: How systemd reads Environment= lines.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment=
  - name: Ollama FAQ, configuring the server
    description: The variables and how to set them on Linux.
    link: https://github.com/ollama/ollama/blob/main/docs/faq.md
'''

EXAMPLES = r'''
- name: Lock the server down to loopback, no cloud, no request logging
  aisec.ollama.ollama_config:
    settings:
      OLLAMA_HOST: 127.0.0.1:11434
      OLLAMA_NO_CLOUD: true
      OLLAMA_DEBUG_LOG_REQUESTS: false
      OLLAMA_ORIGINS: https://chat.example.org
  register: ollama_settings

- name: Apply them
  ansible.builtin.systemd_service:
    name: ollama
    state: restarted
    daemon_reload: true
  when: ollama_settings.restart_required

- name: Take over an override.conf that opened the server (OLLAMA_HOST=0.0.0.0)
  aisec.ollama.ollama_config:
    settings:
      OLLAMA_HOST: 127.0.0.1:11434
    conflicts: takeover

- name: Env file for a container, exactly these variables
  aisec.ollama.ollama_config:
    path: /etc/ollama/ollama.env
    format: env
    purge: true
    settings:
      OLLAMA_HOST: 0.0.0.0:11434
      OLLAMA_NO_CLOUD: 1

- name: Remove one variable
  aisec.ollama.ollama_config:
    state: absent
    settings:
      OLLAMA_KEEP_ALIVE:
'''

RETURN = r'''
path:
  description: The file managed.
  returned: always
  type: str
  sample: /etc/systemd/system/ollama.service.d/aisec.conf
settings:
  description: The variables in the file after the run, as Ollama reads them (proxy credentials masked).
  returned: success
  type: dict
  sample: {OLLAMA_HOST: 127.0.0.1:11434, OLLAMA_NO_CLOUD: 'true'}
previous:
  description: The variables in the file before the run (proxy credentials masked).
  returned: success
  type: dict
restart_required:
  description: >-
    True when the effective settings changed (the file's variables, or a conflicting later
    drop-in taken over): run C(systemctl daemon-reload) and restart Ollama.
  returned: always
  type: bool
  sample: true
insecure:
  description: Insecure values in the resulting settings (also given as warnings).
  returned: success
  type: list
  elements: str
  sample: ['OLLAMA_HOST=0.0.0.0 binds 0.0.0.0, not a loopback address: ...']
conflicts:
  description: Assignments in later drop-ins that override a managed variable.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The drop-in.
      type: str
    line:
      description: Line number.
      type: int
    name:
      description: The variable.
      type: str
    value:
      description: The value it sets there.
      type: str
    kind:
      description: >-
        V(dropin) (an C(Environment=) line of a drop-in or the unit) or V(envfile) (a line of an
        C(EnvironmentFile=)).
      type: str
    why:
      description: Why it is a conflict.
      type: str
  sample: [{path: /etc/systemd/system/ollama.service.d/override.conf, line: 2, name: OLLAMA_HOST, value: 0.0.0.0}]
backups:
  description: Backup files written by O(conflicts=takeover).
  returned: always
  type: list
  elements: str
notes:
  description: Remarks on accepted values (an ignored path in OLLAMA_HOST, negative keep-alive).
  returned: success
  type: list
  elements: str
'''

import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.common.parameters import remove_values  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import ollama_settings as osets  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin as dropin  # noqa: E402


def _read(path):
    try:
        with open(path, encoding='utf-8') as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _redacted(settings):
    return {k: osets.redact(k, v) for k, v in settings.items()}


def _leaves(value):
    """Every scalar of a parameter value as text, as AnsibleModule lists no_log values."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


class Secrets:
    """The secret parts of the settings seen in this run.

    ``settings`` is ``no_log`` so that the module's own log line on the target (journal/syslog)
    never carries it, but AnsibleModule would then mask every value of the dict as a substring
    of the whole result (``true`` or ``1`` included). So the plain values are taken out of
    ``no_log_values`` again and only the secret parts (proxy URL credentials, values of
    secret-named variables) go in: the invocation, the result, the diff, warnings and messages
    show keys and ordinary values, with credentials masked.
    """

    def __init__(self, module):
        self.module = module
        module.no_log_values.difference_update(_leaves(module.params['settings']))
        self.values = set()
        for name, value in (module.params['settings'] or {}).items():
            self.add(name, value)

    def add(self, name, value):
        for secret in osets.secret_values(name, value):
            # As given, as Ollama reads it, and as written in a drop-in (systemd escaping).
            escaped = dropin.quote_assignment('X', secret)[3:-1]
            for form in (secret, escaped, osets.clean(secret)):
                if form:
                    self.values.add(form)
                    self.module.no_log_values.add(form)

    def add_all(self, settings):
        for name, value in settings.items():
            self.add(name, value)

    def scrub(self, data):
        return remove_values(data, self.values) if self.values else data

    def exit(self, **result):
        self.module.exit_json(**self.scrub(result))

    def fail(self, msg, **result):
        self.module.fail_json(**self.scrub(dict(result, msg=msg)))


def _write(module, path, text, mode):
    directory = os.path.dirname(path) or '.'
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.aisec-', suffix='.tmp')
    with os.fdopen(fd, 'w', encoding='utf-8') as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)
    os.chmod(path, mode)


def _mode(module, settings):
    mode = module.params['mode']
    if mode is None:
        return 0o600 if osets.has_secret(settings) else 0o644
    if isinstance(mode, int):
        return mode
    try:
        return int(str(mode), 8)
    except ValueError:
        module.fail_json(msg='mode: %r is not an octal mode such as 0644' % (mode,))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/systemd/system/ollama.service.d/aisec.conf'),
            format=dict(type='str', choices=['systemd', 'env'], default='systemd'),
            settings=dict(type='dict', default={}, no_log=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            purge=dict(type='bool', default=False),
            strict=dict(type='bool', default=False),
            conflicts=dict(type='str', choices=['fail', 'warn', 'takeover'], default='fail'),
            guarded=dict(type='list', elements='str', default=list(osets.GUARDED)),
            network_namespace=dict(type='str', choices=['host', 'container'], default='host'),
            mode=dict(type='raw'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    secrets = Secrets(module)
    path, systemd = p['path'], p['format'] == 'systemd'
    result = dict(changed=False, restart_required=False, path=path, conflicts=[], backups=[])

    if p['state'] == 'absent':
        given = {k: '' for k in p['settings']}
    else:
        checked = osets.validate_settings(p['settings'], strict=p['strict'])
        if checked.errors:
            secrets.fail('Invalid Ollama settings, nothing changed: ' + '; '.join(checked.errors), **result)
        for name in checked.unknown:
            module.warn('%s is not a known Ollama server variable; it is written as given' % name)
        given = checked.settings
        result['notes'] = checked.notes

    before_text = _read(path)
    try:
        parse = dropin.dropin_settings if systemd else dropin.parse_env_file
        current = parse(before_text) if before_text is not None else {}
    except dropin.ParseError as exc:
        secrets.fail('%s: cannot read the existing file (%s); fix or remove it' % (path, exc), **result)

    secrets.add_all(current)

    remove_file = p['state'] == 'absent' and not p['settings']
    desired = {} if remove_file else osets.merge_settings(current, given, p['state'], p['purge'])
    render = dropin.render_dropin if systemd else dropin.render_env_file
    after_text = None if remove_file else render(desired)

    conflicts = dropin.find_unit_conflicts(path, desired, guarded=p['guarded'], weakens=osets.weakens,
                                           search_dirs=dropin.UNIT_DIRS) if systemd and not remove_file else []
    for c in conflicts:
        secrets.add(c.name, c.value)
    result['conflicts'] = [dict(path=c.path, line=c.lineno, name=c.name, value=osets.redact(c.name, c.value),
                                kind=c.kind, why=c.why) for c in conflicts]
    if conflicts and p['conflicts'] == 'fail':
        where = ', '.join('%s line %d sets %s=%s (%s)' % (c.path, c.lineno, c.name, osets.redact(c.name, c.value),
                                                          c.why) for c in conflicts)
        secrets.fail('Other files of the unit override or weaken the settings of %s, nothing changed: %s. '
                     'Remove those lines, or use conflicts=takeover (role: server_takeover_dropins: true) '
                     'to comment them out with a backup.' % (path, where), **result)
    if conflicts and p['conflicts'] == 'warn':
        for c in result['conflicts']:
            module.warn('%(path)s line %(line)d sets %(name)s=%(value)s (%(why)s)' % c)

    mode = _mode(module, desired)
    file_changed = before_text != after_text
    if not file_changed and before_text is not None:
        file_changed = (os.stat(path).st_mode & 0o7777) != mode
    result['changed'] = file_changed or bool(conflicts and p['conflicts'] == 'takeover')
    result['restart_required'] = current != desired or bool(conflicts and p['conflicts'] == 'takeover')
    result['settings'] = _redacted(desired)
    result['previous'] = _redacted(current)
    result['insecure'] = [] if remove_file else osets.insecure_findings(
        desired, own_network_namespace=p['network_namespace'] == 'container')
    for finding in result['insecure']:
        module.warn(finding)

    # The diff shows the files without proxy credentials.
    diffs = [dict(before_header=path, after_header=path,
                  before='' if before_text is None else render(_redacted(current)),
                  after='' if after_text is None else render(_redacted(desired)))]

    takeovers = []
    if conflicts and p['conflicts'] == 'takeover':
        for other in sorted(set(c.path for c in conflicts)):
            text = _read(other) or ''
            mine = [c for c in conflicts if c.path == other]
            try:
                if mine[0].kind == 'envfile':
                    new = dropin.takeover_env_file(text, mine, path)
                else:
                    new = dropin.takeover(text, mine, path)
            except dropin.ParseError as exc:
                secrets.fail('%s: %s; nothing changed' % (other, exc), **result)
            takeovers.append((other, new))
            try:
                if mine[0].kind == 'envfile':
                    secrets.add_all({a.name: a.value for a in dropin.parse_env_file_lines(text)})
                else:
                    secrets.add_all(dropin.dropin_settings(text))
            except dropin.ParseError:
                pass
            # Another file may hold credentials: shown with known secrets and URL userinfo masked.
            diffs.append(dict(before_header=other, after_header=other,
                              before=osets.redact_text(secrets.scrub(text)),
                              after=osets.redact_text(secrets.scrub(new))))
    if module._diff:
        result['diff'] = diffs

    if module.check_mode:
        secrets.exit(**result)

    for other, new in takeovers:
        result['backups'].append(module.backup_local(other))
        _write(module, other, new, os.stat(other).st_mode & 0o7777)
    if remove_file:
        if before_text is not None:
            os.remove(path)
    elif file_changed:
        _write(module, path, after_text, mode)
    secrets.exit(**result)


if __name__ == '__main__':
    main()
