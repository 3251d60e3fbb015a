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


def parse_dropin(text: str) -> List[Assignment]:
    """Every Environment= assignment in the [Service] section, in order."""
    found: List[Assignment] = []
    section = None
    for lineno, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith(('#', ';')):
            continue
        if stripped.startswith('['):
            section = stripped
            continue
        key, sep, value = stripped.partition('=')
        if section != '[Service]' or not sep or key.strip() != 'Environment':
            continue
        value = value.strip()
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
