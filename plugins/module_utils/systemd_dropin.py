# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Environment settings as a systemd drop-in or an env file: render, parse, find conflicts.

systemd quoting (systemd.syntax(7), systemd.exec(5) Environment=): an assignment is one word;
inside double quotes a backslash escapes the next character, and ``%`` starts a specifier, so
a literal ``%`` is written ``%%``. Drop-ins of one unit are applied in lexical order of their
file names and a later ``Environment=`` of the same variable wins.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import os
from typing import Dict, List, NamedTuple

HEADER = '# managed by aisec.ollama (ollama_config): local edits are overwritten'
TAKEOVER_MARK = '# disabled by aisec.ollama (ollama_config), set in %s: '


class ParseError(ValueError):
    pass


def quote_assignment(name: str, value: str) -> str:
    escaped = value.replace('\\', '\\\\').replace('"', '\\"').replace('%', '%%')
    return '"%s=%s"' % (name, escaped)


def render_dropin(settings: Dict[str, str]) -> str:
    lines = [HEADER, '[Service]']
    lines += ['Environment=%s' % quote_assignment(k, settings[k]) for k in sorted(settings)]
    return '\n'.join(lines) + '\n'


def render_env_file(settings: Dict[str, str]) -> str:
    """podman/docker --env-file: KEY=value taken literally (no quoting, no expansion)."""
    lines = [HEADER]
    lines += ['%s=%s' % (k, settings[k]) for k in sorted(settings)]
    return '\n'.join(lines) + '\n'


def split_words(text: str) -> List[str]:
    """systemd's extract_first_word with quotes and C escapes (the subset units use)."""
    words: List[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in ' \t':
            i += 1
        if i >= n:
            break
        word, quote, started = [], None, False
        while i < n:
            c = text[i]
            if quote is None and c in ' \t':
                break
            if c == '\\' and i + 1 < n:
                word.append(text[i + 1])
                i += 2
                started = True
                continue
            if quote is None and c in '"\'':
                quote, started = c, True
            elif c == quote:
                quote = None
            else:
                word.append(c)
                started = True
            i += 1
        if quote is not None:
            raise ParseError('unbalanced quotes in %r' % text)
        if started:
            words.append(''.join(word).replace('%%', '%'))
    return words


class Assignment(NamedTuple):
    name: str
    value: str
    lineno: int


def _logical_lines(text: str):
    """Lines with backslash continuations joined, with the number of their first line."""
    buf, start = '', None
    for lineno, line in enumerate(text.splitlines(), 1):
        if start is None:
            start = lineno
        if line.endswith('\\') and not line.lstrip().startswith(('#', ';')):
            buf += line[:-1] + ' '
            continue
        yield start, buf + line
        buf, start = '', None
    if buf:
        yield start, buf


def _service_values(text: str, directive: str):
    """(line number, stripped value) of each ``directive=`` line in the [Service] section."""
    section = None
    for lineno, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith(('#', ';')):
            continue
        if stripped.startswith('['):
            section = stripped
            continue
        key, sep, value = stripped.partition('=')
        if section == '[Service]' and sep and key.strip() == directive:
            yield lineno, value.strip()


def parse_dropin(text: str) -> List[Assignment]:
    """Every Environment= assignment in the [Service] section, in order."""
    found: List[Assignment] = []
    for lineno, value in _service_values(text, 'Environment'):
        if value == '':
            found.append(Assignment('', '', lineno))  # "Environment=" resets the list
            continue
        for word in split_words(value):
            name, eq, val = word.partition('=')
            if eq:
                found.append(Assignment(name, val, lineno))
    return found


def dropin_settings(text: str) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for a in parse_dropin(text):
        if a.name == '':
            env.clear()
        else:
            env[a.name] = a.value
    return env


def parse_env_file(text: str) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        name, sep, value = line.partition('=')
        if sep:
            env[name.strip()] = value
    return env


class Conflict(NamedTuple):
    path: str
    lineno: int
    name: str
    value: str
    # 'dropin' (an Environment= line of a drop-in or the unit) or 'envfile' (a KEY=value line of
    # a file named by EnvironmentFile=).
    kind: str = 'dropin'
    why: str = ''


def later_dropins(path: str) -> List[str]:
    """Drop-ins of the same unit directory that sort after ``path`` (and so override it)."""
    directory, own = os.path.split(path)
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith('.conf') and n > own)
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names]


def find_conflicts(path: str, settings: Dict[str, str]) -> List[Conflict]:
    """Assignments in later drop-ins that would override a managed variable with another value."""
    conflicts: List[Conflict] = []
    for other in later_dropins(path):
        try:
            with open(other, encoding='utf-8') as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        for a in parse_dropin(text):
            if a.name in settings and a.value.strip().strip('"\'').strip() != settings[a.name]:
                conflicts.append(Conflict(other, a.lineno, a.name, a.value))
    return conflicts


# Where systemd looks for units and their drop-ins (systemd.unit(5)), highest priority first.
UNIT_DIRS = ('/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system',
             '/usr/lib/systemd/system', '/lib/systemd/system')


class Source(NamedTuple):
    path: str
    kind: str   # 'unit', 'dropin' or 'envfile'
    order: int  # 0: the unit, 1: a drop-in sorting before the managed file, 2: after it; 3: envfile


def unit_sources(path: str, search_dirs=UNIT_DIRS) -> List[Source]:
    """The unit file and every drop-in of the unit whose drop-in ``path`` is, as systemd reads them.

    ``path`` is ``<dir>/<unit>.d/<name>.conf``. Drop-ins come from ``<unit>.d`` in ``path``'s
    parent and in every directory of ``search_dirs``; one name in a higher-priority directory
    hides the same name in a lower one; they apply in lexical order of their names. The unit
    file is the first ``<unit>`` found in the same directories.
    """
    dropin_dir, own = os.path.split(path)
    base, unit = os.path.split(dropin_dir)
    if not unit.endswith('.d'):
        return []
    unit = unit[:-2]
    dirs: List[str] = []
    for d in [base, *search_dirs]:
        if d not in dirs:
            dirs.append(d)
    out: List[Source] = []
    for d in dirs:
        candidate = os.path.join(d, unit)
        if os.path.isfile(candidate):
            out.append(Source(candidate, 'unit', 0))
            break
    by_name: Dict[str, str] = {}
    for d in dirs:
        try:
            names = os.listdir(os.path.join(d, unit + '.d'))
        except OSError:
            continue
        for n in names:
            if n.endswith('.conf') and n not in by_name:
                by_name[n] = os.path.join(d, unit + '.d', n)
    for n in sorted(by_name):
        if by_name[n] == path or (n == own and os.path.dirname(by_name[n]) == dropin_dir):
            continue
        out.append(Source(by_name[n], 'dropin', 2 if n > own else 1))
    return out


def environment_files(text: str) -> List[str]:
    """Files named by EnvironmentFile= in the [Service] section ('-' prefix dropped)."""
    files: List[str] = []
    for _lineno, value in _service_values(text, 'EnvironmentFile'):
        if value == '':
            files = []
            continue
        value = value.lstrip('-')
        if '%' not in value and os.path.isabs(value):
            files.append(value)
    return files


def parse_env_file_lines(text: str) -> List[Assignment]:
    """KEY=value lines of an EnvironmentFile= (quotes trimmed), with line numbers."""
    found: List[Assignment] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(('#', ';')):
            continue
        name, sep, value = stripped.partition('=')
        if sep:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            found.append(Assignment(name.strip(), value, lineno))
    return found


def _read_text(path: str):
    try:
        with open(path, encoding='utf-8') as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def find_unit_conflicts(path: str, settings: Dict[str, str], guarded=(), weakens=None,
                        search_dirs=UNIT_DIRS) -> List[Conflict]:
    """Assignments anywhere in the unit that would defeat the managed drop-in ``path``.

    - A managed variable (in ``settings``) set to another value where it wins over ``path``:
      a later drop-in, or a file named by EnvironmentFile= (it overrides every Environment=).
    - A ``guarded`` variable that ``settings`` does not set, set anywhere (the unit file, any
      drop-in, any EnvironmentFile=) to a value for which ``weakens(name, value)`` gives a reason.
    """
    conflicts: List[Conflict] = []
    env_files: List[str] = []

    def judge(src_path, a, kind, wins):
        if a.name in settings:
            if wins and a.value.strip().strip('"\'').strip() != settings[a.name]:
                conflicts.append(Conflict(src_path, a.lineno, a.name, a.value, kind, 'overrides the managed value'))
        elif a.name in guarded and weakens is not None:
            why = weakens(a.name, a.value)
            if why:
                conflicts.append(Conflict(src_path, a.lineno, a.name, a.value, kind, why))

    for src in unit_sources(path, search_dirs):
        text = _read_text(src.path)
        if text is None:
            continue
        try:
            assignments = parse_dropin(text)
        except ParseError:
            assignments = []
        for a in assignments:
            if a.name:
                judge(src.path, a, 'dropin', src.order == 2)
        try:
            env_files += environment_files(text)
        except ParseError:
            pass
    own = _read_text(path)
    if own is not None:
        env_files += environment_files(own)
    for env_path in dict.fromkeys(env_files):
        text = _read_text(env_path)
        if text is None:
            continue
        for a in parse_env_file_lines(text):
            judge(env_path, a, 'envfile', True)
    return conflicts


def takeover_env_file(text: str, conflicts: List[Conflict], owner: str) -> str:
    """Comment out the conflicting KEY=value lines of an EnvironmentFile."""
    lines = set(c.lineno for c in conflicts)
    out = [(TAKEOVER_MARK % owner + line) if n in lines else line for n, line in enumerate(text.splitlines(), 1)]
    return '\n'.join(out) + ('\n' if text.endswith('\n') else '')


def keep_others(text: str, lineno: int, drop: List[str]) -> str:
    """The Environment= line rebuilt without the variables in ``drop`` ('' when none remain)."""
    line = text.splitlines()[lineno - 1]
    value = line.partition('=')[2]
    kept = []
    for word in split_words(value.strip()):
        name = word.partition('=')[0]
        if name not in drop:
            kept.append(quote_assignment(name, word.partition('=')[2]))
    return ('Environment=' + ' '.join(kept)) if kept else ''


def takeover(text: str, conflicts: List[Conflict], owner: str) -> str:
    """Disable the conflicting assignments of one file, keeping unrelated ones on that line."""
    by_line: Dict[int, List[str]] = {}
    for c in conflicts:
        by_line.setdefault(c.lineno, []).append(c.name)
    lines = text.splitlines()
    out: List[str] = []
    for lineno, line in enumerate(lines, 1):
        if lineno in by_line:
            if line.endswith('\\'):
                raise ParseError('line %d continues on the next line: edit it by hand' % lineno)
            out.append(TAKEOVER_MARK % owner + line)
            rest = keep_others(text, lineno, by_line[lineno])
            if rest:
                out.append(rest)
        else:
            out.append(line)
    return '\n'.join(out) + ('\n' if text.endswith('\n') else '')
