# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rebuild or merge the collection's advisory data (data/advisories.yml) from OSV records.

Input: OSV JSON files, or folders holding them (searched recursively), in the format of Go's
vulnerability database (https://vuln.go.dev/ID/GO-YYYY-NNNN.json) or of GitHub's advisory
database. Only records affecting the Go module ``github.com/ollama/ollama`` are used.

Merging: a record updates the entry whose id or aliases share any name with the record's id or
aliases (so GO-2024-2901 updates the entry kept under CVE-2024-37032). From the record it takes
aliases and references (added), affected ranges, CVSS vectors (added, base score computed for
CVSS 3.x), severity, details, modified and withdrawn dates. It never touches the hand-curated
fields: name, summary, kind, endpoints, confidence, confidence_note, mitigation,
compensating_control, notes; nor severity when its severity_source starts with "curated"; nor any
field listed in the entry's ``curated`` list. A record with no matching entry is added with
``needs_review: true`` and conservative defaults (all endpoints, severity high when the record has
none) for a maintainer to curate. The file's ``last_refreshed`` date is set to today (or --date).

The result is validated with the same loader the modules use before anything is written.
``--dry-run`` prints a unified diff instead of writing.

Usage:
    tools/update-advisories [--data data/advisories.yml] [--dry-run] [--date YYYY-MM-DD] OSV_PATH...
    tools/update-advisories --normalize          # re-emit the file in canonical form
"""

from __future__ import annotations

import argparse
import copy
import datetime
import difflib
import importlib
import importlib.util
import json
import math
import os
import sys
import types

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(REPO_ROOT, 'data', 'advisories.yml')
OLLAMA_MODULE = 'github.com/ollama/ollama'
HAND_CURATED = (
    'name', 'summary', 'kind', 'endpoints', 'confidence', 'confidence_note', 'mitigation',
    'compensating_control', 'notes',
)
FIELD_ORDER = (
    'id', 'aliases', 'name', 'summary', 'details', 'kind', 'endpoints', 'affected', 'severity',
    'severity_source', 'cvss', 'confidence', 'confidence_note', 'mitigation', 'compensating_control',
    'references', 'notes', 'curated', 'needs_review', 'published', 'modified', 'withdrawn',
)
HEADER = """\
# Ollama advisories: the single source of advisory data for aisec.ollama.
# Read by plugins/module_utils/advisories.py (ollama_version_check, the endpoint audit, the
# reports). Maintained with tools/update-advisories, which merges OSV records (Go vulndb,
# module github.com/ollama/ollama) and keeps the hand-curated fields (confidence, endpoints,
# mitigation, compensating_control, notes, curated severities, and fields listed in `curated`).
# Field reference: docs/version-check.md. Comments here are not kept by the tool: use `notes`.
"""
GHSA_SEVERITY = {'LOW': 'low', 'MODERATE': 'medium', 'MEDIUM': 'medium', 'HIGH': 'high', 'CRITICAL': 'critical'}


class ToolError(Exception):
    """A problem the maintainer has to fix (bad input, invalid result)."""


def _load_module_utils():
    """Import the collection's advisories module from this checkout."""
    name = 'ansible_collections.aisec.ollama.plugins.module_utils.advisories'
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        spec = None
    if spec is None:
        # Not importable (plain checkout): map the package names onto this checkout.
        for pkg, path in (('ansible_collections', None), ('ansible_collections.aisec', None),
                          ('ansible_collections.aisec.ollama', REPO_ROOT)):
            if pkg not in sys.modules:
                module = types.ModuleType(pkg)
                module.__path__ = [path] if path else []
                sys.modules[pkg] = module
    return importlib.import_module(name)


# --- CVSS 3.x base score (FIRST specification, section 7) ------------------------------------
_CVSS3 = {
    'AV': {'N': 0.85, 'A': 0.62, 'L': 0.55, 'P': 0.2},
    'AC': {'L': 0.77, 'H': 0.44},
    'UI': {'N': 0.85, 'R': 0.62},
    'C': {'H': 0.56, 'L': 0.22, 'N': 0.0},
    'I': {'H': 0.56, 'L': 0.22, 'N': 0.0},
    'A': {'H': 0.56, 'L': 0.22, 'N': 0.0},
}
_PR = {'U': {'N': 0.85, 'L': 0.62, 'H': 0.27}, 'C': {'N': 0.85, 'L': 0.68, 'H': 0.5}}


def _roundup(value):
    as_int = round(value * 100000)
    if as_int % 10000 == 0:
        return as_int / 100000.0
    return (math.floor(as_int / 10000) + 1) / 10.0


def cvss3_base_score(vector):
    """Base score of a CVSS:3.0 / CVSS:3.1 vector string; ValueError when malformed."""
    parts = vector.strip().split('/')
    if not parts or parts[0] not in ('CVSS:3.0', 'CVSS:3.1'):
        raise ValueError(f'not a CVSS 3.x vector: {vector!r}')
    metrics = {}
    for part in parts[1:]:
        key, _sep, value = part.partition(':')
        metrics[key] = value
    try:
        scope = metrics['S']
        iss = 1 - (1 - _CVSS3['C'][metrics['C']]) * (1 - _CVSS3['I'][metrics['I']]) * (1 - _CVSS3['A'][metrics['A']])
        if scope == 'U':
            impact = 6.42 * iss
        elif scope == 'C':
            impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
        else:
            raise KeyError('S')
        exploitability = (8.22 * _CVSS3['AV'][metrics['AV']] * _CVSS3['AC'][metrics['AC']]
                          * _PR[scope][metrics['PR']] * _CVSS3['UI'][metrics['UI']])
    except KeyError as exc:
        raise ValueError(f'CVSS vector {vector!r} lacks or misstates base metric {exc}') from exc
    if impact <= 0:
        return 0.0
    if scope == 'U':
        return _roundup(min(impact + exploitability, 10))
    return _roundup(min(1.08 * (impact + exploitability), 10))


def severity_from_score(score):
    """CVSS qualitative rating."""
    if score is None:
        return None
    if score == 0:
        return 'none'
    if score < 4.0:
        return 'low'
    if score < 7.0:
        return 'medium'
    if score < 9.0:
        return 'high'
    return 'critical'


# --- OSV reading --------------------------------------------------------------------------------
def find_osv_files(paths):
    """Expand files and folders (recursively) into a sorted list of .json files."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, files in os.walk(path):
                found.extend(os.path.join(root, f) for f in files if f.endswith('.json'))
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise ToolError(f'{path}: no such file or folder')
    return sorted(found)


def read_osv(path):
    try:
        with open(path, encoding='utf-8') as handle:
            record = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ToolError(f'{path}: cannot read OSV JSON: {exc}') from exc
    if not isinstance(record, dict) or not isinstance(record.get('id'), str):
        raise ToolError(f'{path}: not an OSV record (no "id")')
    return record


def _strip_v(version):
    version = str(version).strip()
    return version[1:] if version[:1] in ('v', 'V') else version


def osv_ranges(record):
    """Affected ranges of github.com/ollama/ollama as [{introduced, fixed|last_affected}]."""
    ranges = []
    for affected in record.get('affected') or []:
        package = affected.get('package') or {}
        if package.get('name') != OLLAMA_MODULE:
            continue
        for rng in affected.get('ranges') or []:
            if rng.get('type') not in ('SEMVER', 'ECOSYSTEM'):
                continue
            current = None
            for event in rng.get('events') or []:
                if 'introduced' in event:
                    if current is not None:
                        ranges.append(current)
                    current = {'introduced': _strip_v(event['introduced'])}
                elif 'fixed' in event and current is not None:
                    current['fixed'] = _strip_v(event['fixed'])
                    ranges.append(current)
                    current = None
                elif 'last_affected' in event and current is not None:
                    current['last_affected'] = _strip_v(event['last_affected'])
                    ranges.append(current)
                    current = None
            if current is not None:
                ranges.append(current)
    return ranges


def affects_ollama(record):
    return any((a.get('package') or {}).get('name') == OLLAMA_MODULE for a in record.get('affected') or [])


def osv_cvss(record):
    """CVSS entries of a record: [{version, vector, score, source}]."""
    out = []
    for sev in record.get('severity') or []:
        vector = sev.get('score')
        kind = sev.get('type', '')
        if not isinstance(vector, str) or not vector.startswith('CVSS:'):
            continue
        version = vector.split('/')[0].split(':')[1]
        score = None
        if kind == 'CVSS_V3' or version.startswith('3'):
            try:
                score = cvss3_base_score(vector)
            except ValueError:
                score = None
        out.append({'version': version, 'vector': vector, 'score': score, 'source': 'OSV {}'.format(record['id'])})
    return out


def osv_severity(record, cvss):
    scores = [c['score'] for c in cvss if c.get('score') is not None]
    if scores:
        return severity_from_score(max(scores)), 'OSV {} (CVSS {})'.format(record['id'], max(scores))
    db_sev = (record.get('database_specific') or {}).get('severity')
    if isinstance(db_sev, str) and db_sev.upper() in GHSA_SEVERITY:
        return GHSA_SEVERITY[db_sev.upper()], 'OSV {} (database_specific.severity {})'.format(record['id'], db_sev)
    return None, None


def _names(record):
    return [record['id']] + [a for a in record.get('aliases') or [] if isinstance(a, str)]


def _preferred_id(names):
    for prefix in ('CVE-', 'GHSA-', 'GO-'):
        for name in names:
            if name.startswith(prefix):
                return name
    return names[0]


def _merge_list(old, new):
    result = list(old or [])
    for item in new:
        if item not in result:
            result.append(item)
    return result


def _order(entry):
    ordered = {key: entry[key] for key in FIELD_ORDER if key in entry and entry[key] not in (None, [], {})}
    if entry.get('needs_review'):
        ordered['needs_review'] = True
    elif 'needs_review' in ordered:
        del ordered['needs_review']
    return ordered


def new_entry(record):
    names = _names(record)
    adv_id = _preferred_id(names)
    ranges = osv_ranges(record) or [{'introduced': '0'}]
    cvss = osv_cvss(record)
    severity, source = osv_severity(record, cvss)
    fixed = [r['fixed'] for r in ranges if r.get('fixed')]
    unfixed = any(not r.get('fixed') and not r.get('last_affected') for r in ranges)
    entry = {
        'id': adv_id,
        'aliases': [n for n in names if n != adv_id],
        'summary': (record.get('summary') or record.get('details') or adv_id).strip(),
        'details': (record.get('details') or '').strip() or None,
        'kind': 'vulnerability',
        'endpoints': ['all'],
        'affected': ranges,
        'severity': severity or 'high',
        'severity_source': source or 'default pending review: the OSV record has no severity',
        'cvss': cvss,
        'confidence': 'V' if record['id'].startswith('GO-') else 'S',
        'confidence_note': f"added by tools/update-advisories from {record['id']}; review endpoints and mitigation",
        'mitigation': (f'Upgrade to {max(fixed, key=_version_key)} or later.') if fixed else
                      'No fixed version: close the affected endpoints at the proxy.',
        'references': [r.get('url') for r in record.get('references') or [] if r.get('url')],
        'needs_review': True,
        'published': record.get('published'),
        'modified': record.get('modified'),
        'withdrawn': record.get('withdrawn'),
    }
    if unfixed:
        entry['compensating_control'] = {
            'close_endpoints': ['pull', 'push', 'create', 'copy', 'delete', 'blobs'],
            'description': 'No fixed release: close the model management endpoints at the proxy until reviewed.',
        }
    return _order(entry)


def _version_key(text):
    _load_module_utils()
    module = importlib.import_module('ansible_collections.aisec.ollama.plugins.module_utils.ollama_version')
    return module.OllamaVersion.parse(text).key


def merge_record(entry, record, log):
    """Update one existing entry from an OSV record, keeping hand-curated fields."""
    entry = copy.deepcopy(entry)
    curated = set(entry.get('curated') or []) | set(HAND_CURATED)
    changes = []
    aliases = [n for n in _names(record) if n != entry['id']]
    merged = _merge_list(entry.get('aliases'), aliases)
    if merged != (entry.get('aliases') or []):
        changes.append('aliases')
        entry['aliases'] = merged
    if 'affected' not in curated:
        ranges = osv_ranges(record)
        old = entry.get('affected') or []
        if ranges and ranges != old:
            old_fixed = set(r.get('fixed') for r in old if r.get('fixed'))
            new_fixed = set(r.get('fixed') for r in ranges if r.get('fixed'))
            if old_fixed - new_fixed:
                log('warning: {}: {} drops fixed version(s) {}; list "affected" in the entry\'s curated field '
                    'to keep them'.format(entry['id'], record['id'], ', '.join(sorted(old_fixed - new_fixed))))
            entry['affected'] = ranges
            changes.append('affected')
    if 'cvss' not in curated:
        known = set(c.get('vector') for c in entry.get('cvss') or [])
        added = [c for c in osv_cvss(record) if c['vector'] not in known]
        if added:
            entry['cvss'] = list(entry.get('cvss') or []) + added
            changes.append('cvss')
    if 'severity' not in curated and not str(entry.get('severity_source') or '').lower().startswith('curated'):
        severity, source = osv_severity(record, entry.get('cvss') or [])
        if severity and severity != entry.get('severity'):
            entry['severity'], entry['severity_source'] = severity, source
            changes.append('severity')
    if 'references' not in curated:
        refs = [r.get('url') for r in record.get('references') or [] if r.get('url')]
        merged = _merge_list(entry.get('references'), refs)
        if merged != (entry.get('references') or []):
            entry['references'] = merged
            changes.append('references')
    for key in ('details', 'published', 'modified', 'withdrawn'):
        if key in curated:
            continue
        value = record.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value and value != entry.get(key):
            entry[key] = value
            changes.append(key)
    return _order(entry), changes


def merge(data, records, log):
    """Merge OSV records into data (a dict as read from YAML); return the new dict."""
    data = copy.deepcopy(data)
    entries = data.setdefault('advisories', [])
    for path, record in records:
        if not affects_ollama(record):
            log('skipped {} ({}): does not affect {}'.format(record['id'], path, OLLAMA_MODULE))
            continue
        names = set(n.upper() for n in _names(record))
        matches = [i for i, e in enumerate(entries)
                   if names & set(n.upper() for n in [e.get('id', ''), *list(e.get('aliases') or [])])]
        if len(matches) > 1:
            clash = ', '.join(entries[i]['id'] for i in matches)
            raise ToolError(f"{record['id']} ({path}) matches several entries: {clash}")
        if matches:
            index = matches[0]
            entries[index], changes = merge_record(entries[index], record, log)
            summary = ', '.join(changes) if changes else 'no change'
            log(f"updated {entries[index]['id']} from {record['id']}: {summary}")
        else:
            entry = new_entry(record)
            entries.append(entry)
            log('added {} from {} (needs review: endpoints, mitigation, confidence)'.format(entry['id'], record['id']))
    return data


# --- YAML output ------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as yamllint (and ansible-lint) expect."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _str_presenter(dumper, value):
    style = '|' if '\n' in value else None
    return dumper.represent_scalar('tag:yaml.org,2002:str', value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump(data):
    top = {}
    for key in ('schema_version', 'last_refreshed', 'description', 'sources'):
        if data.get(key) not in (None, []):
            top[key] = data[key]
    top['advisories'] = [_order(e) for e in data.get('advisories') or []]
    body = yaml.dump(top, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False, indent=2)
    return HEADER + body


def run(argv=None, out=sys.stdout, err=sys.stderr):
    parser = argparse.ArgumentParser(prog='update-advisories', description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('osv', nargs='*', help='OSV JSON files or folders')
    parser.add_argument('--data', default=DEFAULT_DATA, help='advisory data file (default: %(default)s)')
    parser.add_argument('--date', help='refresh date to record (default: today)')
    parser.add_argument('--dry-run', action='store_true', help='print a diff, write nothing')
    parser.add_argument('--normalize', action='store_true', help='re-emit the data file without OSV input')
    args = parser.parse_args(argv)
    if not args.osv and not args.normalize:
        parser.error('give OSV files or folders, or --normalize')

    def log(message):
        err.write(message + '\n')

    try:
        advisories = _load_module_utils()
        try:
            with open(args.data, encoding='utf-8') as handle:
                original_text = handle.read()
        except OSError as exc:
            raise ToolError(f'cannot read {args.data}: {exc}') from exc
        try:
            data = yaml.safe_load(original_text)
        except yaml.YAMLError as exc:
            raise ToolError(f'{args.data} is not valid YAML: {exc}') from exc
        if not isinstance(data, dict):
            raise ToolError(f'{args.data}: expected a mapping at the top level')
        if args.osv:
            records = [(path, read_osv(path)) for path in find_osv_files(args.osv)]
            if not records:
                raise ToolError('no .json files found in {}'.format(', '.join(args.osv)))
            data = merge(data, records, log)
            if args.date:
                try:
                    date = datetime.date.fromisoformat(args.date).isoformat()
                except ValueError:
                    raise ToolError(f'--date {args.date!r} is not YYYY-MM-DD') from None
            else:
                date = datetime.date.today().isoformat()
            data['last_refreshed'] = date
        elif isinstance(data.get('last_refreshed'), datetime.date):
            data['last_refreshed'] = data['last_refreshed'].isoformat()
        text = dump(data)
        try:
            advisories.validate_advisory_data(yaml.safe_load(text), source='merged data')
        except advisories.AdvisoryDataError as exc:
            raise ToolError(f'{exc}; nothing written') from exc
    except ToolError as exc:
        log(f'update-advisories: error: {exc}')
        return 1
    if args.dry_run:
        diff = difflib.unified_diff(original_text.splitlines(True), text.splitlines(True),
                                    fromfile=args.data, tofile=args.data + ' (merged)')
        out.write(''.join(diff))
        return 0
    if text != original_text:
        tmp = args.data + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.replace(tmp, args.data)
        log(f'wrote {args.data}')
    else:
        log(f'{args.data} unchanged')
    return 0


def main():
    sys.exit(run())


if __name__ == '__main__':
    main()
