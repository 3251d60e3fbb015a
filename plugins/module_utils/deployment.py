# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Ollama is deployed on a host: the native service, containers, the container role's slots.

Pure functions over what `systemctl show` and `<engine> inspect` print, so they are tested
without a host; the module ollama_deployment_info runs the commands.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin

OLLAMA_PORT = 11434
# Label the container role puts on its containers: the slot name.
SLOT_LABEL = 'aisec.ollama.slot'
CONFIG_LABEL = 'aisec.ollama.config'
ENGINE_WORDS = re.compile(r'\b(podman|docker|conmon|containerd)\b')


def parse_systemctl_show(text):
    """`systemctl show -p A -p B unit` output -> dict (Environment split into a dict too)."""
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            props[key] = value
    env = {}
    try:
        # systemctl show prints the Environment= entries with systemd's own quoting.
        items = systemd_dropin.split_words(props.get('Environment', ''))
    except systemd_dropin.ParseError:
        items = []
    for item in items:
        name, sep, value = item.partition('=')
        if sep:
            env[name] = value
    props['EnvironmentMap'] = env
    return props


def native_service(props):
    """The native ollama.service as the container role needs it, or None when there is none.

    A unit whose ExecStart runs a container engine is a container, not a native install.
    """
    if props.get('LoadState') != 'loaded':
        return None
    exec_start = props.get('ExecStart', '')
    if ENGINE_WORDS.search(exec_start):
        return None
    return {
        'unit': props.get('Id', 'ollama.service'),
        'active': props.get('ActiveState') == 'active',
        'enabled': props.get('UnitFileState') in ('enabled', 'enabled-runtime', 'linked', 'alias'),
        'user': props.get('User') or 'root',
        'models_env': props['EnvironmentMap'].get('OLLAMA_MODELS', ''),
        'host_env': props['EnvironmentMap'].get('OLLAMA_HOST', ''),
    }


def _published(inspect):
    ports = []
    bindings = (inspect.get('HostConfig') or {}).get('PortBindings') or {}
    for container_port, binds in sorted(bindings.items()):
        for bind in binds or []:
            ports.append({
                'container_port': int(container_port.split('/')[0]),
                'host_ip': bind.get('HostIp') or '0.0.0.0',  # noqa: S104 - an empty HostIp publishes on every address
                'host_port': int(bind.get('HostPort') or 0),
            })
    return ports


def container_record(engine, inspect):
    """One `<engine> inspect` object -> the fields the role and the audit read."""
    config = inspect.get('Config') or {}
    labels = config.get('Labels') or {}
    state = inspect.get('State') or {}
    env = dict(item.partition('=')[::2] for item in config.get('Env') or [])
    return {
        'engine': engine,
        'name': (inspect.get('Name') or '').lstrip('/'),
        'id': inspect.get('Id', ''),
        'image': config.get('Image') or inspect.get('ImageName') or '',
        'image_id': inspect.get('Image', ''),
        'running': bool(state.get('Running')),
        'status': state.get('Status', ''),
        'health': ((state.get('Health') or state.get('Healthcheck') or {}).get('Status') or ''),
        'user': config.get('User') or 'root',
        'published': _published(inspect),
        'mounts': [{'type': m.get('Type', ''), 'name': m.get('Name', ''), 'source': m.get('Source', ''),
                    'destination': m.get('Destination', '')} for m in inspect.get('Mounts') or []],
        'env': {k: v for k, v in env.items() if k.startswith('OLLAMA_')},
        'slot': labels.get(SLOT_LABEL, ''),
        'config': labels.get(CONFIG_LABEL, ''),
        'restart_policy': ((inspect.get('HostConfig') or {}).get('RestartPolicy') or {}).get('Name', ''),
    }


def is_ollama(record):
    """An Ollama container: the role's own, an image named like ollama, or port 11434 inside."""
    if record['slot']:
        return True
    if 'ollama' in record['image'].lower():
        return True
    return any(p['container_port'] == OLLAMA_PORT for p in record['published'])


def data_mount(record):
    """The mount holding the container's ~/.ollama (models and server key), or None."""
    models = record['env'].get('OLLAMA_MODELS', '')
    wanted = ['/root/.ollama', '/home/ollama/.ollama']
    for mount in record['mounts']:
        dest = mount['destination'].rstrip('/')
        if dest in wanted or (models and models.rstrip('/') == dest + '/models'):
            return mount
    return None


def kind(native, containers):
    """native | container | none: what runs (a running container wins over an idle service)."""
    if any(c['running'] for c in containers):
        return 'container'
    if native and (native['active'] or native['enabled']):
        return 'native'
    if containers:
        return 'container'
    return 'native' if native else 'none'
