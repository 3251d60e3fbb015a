# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Ollama service RUNS with, as JSON (read-only; used by roles/server/tasks/verify.yml).

usage: runtime_state.py UNIT HOST PORT EXPECT [FILE...]
  UNIT   the service (ollama)
  HOST   the address OLLAMA_HOST binds (server_bind_host)
  PORT   its port
  EXPECT JSON: {"guarded": [names], "env": {name: value}, "props": {property: value or [values]},
         "dropin": path that must be among DropInPaths, "process": {NoNewPrivs: ..., CapBnd: ...}}.
         A guarded name missing from "env" must be absent from the process environment.
  FILE   more files whose changes need a restart (the unit file and its drop-ins are always
         included): the newest mtime is reported

Reports: systemd's view (MainPID, ActiveState, NeedDaemonReload, sandbox properties), the live
process's environment (/proc/PID/environ), its start time against the newest FILE, its
NoNewPrivs / CapBnd, and the TCP listeners of the service's processes.
"""
import json
import os
import re
import shlex
import socket
import subprocess
import sys

PROPS = ['Environment', 'EnvironmentFiles',
         'MainPID', 'ActiveState', 'SubState', 'NeedDaemonReload', 'User', 'NoNewPrivileges', 'ProtectSystem',
         'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'DevicePolicy', 'CapabilityBoundingSet',
         'RestrictNamespaces', 'ReadWritePaths', 'DropInPaths', 'FragmentPath']


def show(unit):
    out = subprocess.run(['systemctl', 'show', unit + '.service', '--no-pager'] + ['-p' + p for p in PROPS],
                         capture_output=True, text=True, check=False).stdout
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


def start_time(pid):
    with open(f'/proc/{pid}/stat') as fh:
        fields = fh.read().rsplit(')', 1)[1].split()
    ticks = int(fields[19])  # field 22 (starttime), counted after "pid (comm)"
    with open('/proc/stat') as fh:
        btime = next(int(line.split()[1]) for line in fh if line.startswith('btime '))
    return btime + ticks / os.sysconf('SC_CLK_TCK')


def environ(pid, uid=None, gid=None):
    """/proc/PID/environ; read as the process's own user when root may not (no CAP_SYS_PTRACE)."""
    try:
        with open(f'/proc/{pid}/environ', 'rb') as fh:
            raw = fh.read()
    except PermissionError:
        if not uid or os.getuid() != 0:
            raise

        def drop():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

        done = subprocess.run(['cat', f'/proc/{pid}/environ'], capture_output=True, check=False, preexec_fn=drop)
        if done.returncode != 0:
            raise
        raw = done.stdout
    items = raw.decode('utf-8', 'replace').split('\0')
    return dict(i.split('=', 1) for i in items if '=' in i)


def status(pid):
    with open(f'/proc/{pid}/status') as fh:
        return dict(line.rstrip('\n').split(':\t', 1) for line in fh if ':\t' in line)


def tree(root):
    children = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open(f'/proc/{name}/stat') as fh:
                    ppid = int(fh.read().rsplit(')', 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo += children.get(pid, [])
    return out


def listeners(pids):
    out = subprocess.run(['ss', '-ltnpH'], capture_output=True, text=True, check=False).stdout
    found = []
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 6:
            continue
        owners = [int(p) for p in re.findall(r'pid=(\d+)', line)]
        if any(p in pids for p in owners):
            found.append(cols[3])
    return found


def systemd_environment(props):
    """The environment systemd gives the unit: manager, then Environment=, then EnvironmentFile=."""
    out = subprocess.run(['systemctl', 'show-environment'], capture_output=True, text=True, check=False).stdout
    env = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
    for word in shlex.split(props.get('Environment', '')):
        if '=' in word:
            name, value = word.split('=', 1)
            env[name] = value
    for path in env_file_paths(props):
        try:
            with open(path, encoding='utf-8') as fh:
                for line in fh:
                    line = line.strip()
                    if line and not line.startswith(('#', ';')) and '=' in line:
                        name, value = line.split('=', 1)
                        value = value.strip()
                        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                            value = value[1:-1]
                        env[name.strip()] = value
        except OSError:
            continue
    return env


def env_file_paths(props):
    # "EnvironmentFiles=/etc/default/ollama (ignore_errors=yes)", one line per file joined by spaces
    return re.findall(r'(/\S+) \(ignore_errors=(?:yes|no)\)', props.get('EnvironmentFiles', ''))


def listeners_by_uid(uid):
    """Listening TCP sockets owned by ``uid`` (/proc/net/tcp, tcp6), when ss cannot name the process."""
    found = []
    for name, v6 in (('tcp', False), ('tcp6', True)):
        try:
            with open(f'/proc/net/{name}') as fh:
                lines = fh.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 8 or cols[3] != '0A' or cols[7] != str(uid):
                continue
            hexaddr, hexport = cols[1].split(':')
            raw = bytes.fromhex(hexaddr)
            if v6:
                raw = b''.join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(f'[{socket.inet_ntop(socket.AF_INET6, raw)}]:{int(hexport, 16)}')
            else:
                found.append(f'{socket.inet_ntop(socket.AF_INET, raw[::-1])}:{int(hexport, 16)}')
    return found


def split_listener(addr):
    host, _sep, port = addr.rpartition(':')
    host = host.strip('[]').split('%')[0]
    return ('::' if host == '*' else host), port


def expected_addresses(host):
    try:
        return {ai[4][0] for ai in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        return {host}


def main():
    unit, host, port, expect, files = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5:]
    props = show(unit)
    result = {'props': props, 'main_pid': int(props.get('MainPID') or 0), 'env': {}, 'listeners': [],
              'errors': []}
    files = [*files, props.get('FragmentPath', ''), *props.get('DropInPaths', '').split(), *env_file_paths(props)]
    newest = max(((os.stat(f).st_mtime, f) for f in files if f and os.path.exists(f)), default=(0, ''))
    result['newest_file'], result['newest_mtime'] = newest[1], newest[0]
    pid = result['main_pid']
    if pid > 0:
        try:
            result['started'] = start_time(pid)
            st = status(pid)
            result['no_new_privs'] = st.get('NoNewPrivs', '').strip()
            result['cap_bnd'] = st.get('CapBnd', '').strip()
            uid = int(st.get('Uid', '0').split()[0])
            gid = int(st.get('Gid', '0').split()[0])
        except OSError as exc:
            result['errors'].append(f'cannot read process {pid}: {exc}')
            uid = gid = 0
        try:
            env, result['env_source'] = environ(pid, uid, gid), f'/proc/{pid}/environ'
        except OSError:
            # Without CAP_SYS_PTRACE (root in a container) another user's environ is unreadable:
            # systemd's view instead, which the process has when it started after the unit's
            # files changed and no daemon-reload is pending (both checked below).
            env, result['env_source'] = systemd_environment(props), 'systemd (process environment unreadable)'
        result['env'] = {k: v for k, v in env.items() if k.startswith('OLLAMA_')}
        result['listeners'] = listeners(tree(pid))
        if not result['listeners'] and uid != 0:
            result['listeners'] = listeners_by_uid(uid)
            result['listeners_source'] = f'sockets of uid {uid}'
    allowed = expected_addresses(host)
    result['stray_listeners'] = [a for a in result['listeners']
                                 if split_listener(a)[1] != str(port) or split_listener(a)[0] not in allowed]
    result['stale_by_mtime'] = bool(pid > 0 and 'started' in result and result['started'] + 1 < newest[0])

    stale = []
    if pid == 0 or props.get('ActiveState') != 'active':
        stale.append('the service is not running (ActiveState={})'.format(props.get('ActiveState', '?')))
    if props.get('NeedDaemonReload') == 'yes':
        stale.append('systemd has not reloaded the changed unit files')
    if result['stale_by_mtime']:
        stale.append(f'the process started before {newest[1]} last changed')
    problems = list(result['errors'])
    env = result['env']
    for name in expect.get('guarded', []):
        want = expect.get('env', {}).get(name)
        if want in ('True', 'False'):  # a YAML boolean, written true/false by ollama_config
            want = want.lower()
        if want is None and name in env:
            problems.append(f'the process has {name}={env[name]}, which the role does not set')
        elif want is not None and env.get(name) != want:
            problems.append('the process has {}={}, not {}'.format(name, env.get(name, '(unset)'), want))
    for name, want in expect.get('props', {}).items():
        allowed = want if isinstance(want, list) else [want]
        if props.get(name) not in allowed:
            problems.append('systemd runs it with {}={}, not {}'.format(name, props.get(name), ' or '.join(allowed)))
    if expect.get('dropin') and expect['dropin'] not in props.get('DropInPaths', '').split():
        problems.append('{} is not among the loaded drop-ins'.format(expect['dropin']))
    seen = {'NoNewPrivs': result.get('no_new_privs'), 'CapBnd': result.get('cap_bnd')}
    for name, want in expect.get('process', {}).items():
        if pid > 0 and seen.get(name) != want:
            problems.append(f'the process has {name} {seen.get(name)}, not {want}')
    if pid > 0 and not result['listeners']:
        problems.append('the process listens on no TCP port')
    problems += [f'it listens on {a}, not only on {host} port {port}' for a in result['stray_listeners']]
    result['stale'], result['problems'] = stale, problems
    # The unit's Environment= carries every setting, credentials included (a proxy URL with a
    # password): it is read above, never printed, so no run's output holds it.
    result['props'] = {k: v for k, v in props.items() if k != 'Environment'}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
