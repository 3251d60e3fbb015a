# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Ollama advisory data: load, validate, and match it against a version.

The data lives in ONE file, ``data/advisories.yml`` at the collection root (see
``default_advisory_path``). Everything that needs advisories reads it through this file:

- ``load_advisory_file(path)`` reads YAML (or JSON) on the controller. PyYAML is imported
  lazily, so this module stays importable on a managed node that lacks it.
- ``validate_advisory_data(data)`` checks the structure and returns a normalised copy; every
  problem is reported with the advisory id and field, and unknown severity names are errors.
- ``evaluate(version, data, ...)`` says which advisories apply to a version, which of them have
  no fix (compensating controls needed), what the lowest safe version is and whether a severity
  gate is broken. ``applies`` / ``matching_range`` / ``find_advisory`` / ``advisories_for_endpoint``
  are the building blocks the endpoint audit and the reports reuse.

Severity names: none < low < medium < high < critical. Confidence: V (fix commit in a release tag
or a Go vulndb record), S (secondary source), U (unconfirmed), ``-`` (not a version issue).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

from ansible_collections.aisec.ollama.plugins.module_utils import endpoints
from ansible_collections.aisec.ollama.plugins.module_utils.ollama_version import OllamaVersion, VersionError

SCHEMA_VERSION = 1
SEVERITIES = ('none', 'low', 'medium', 'high', 'critical')
CONFIDENCES = ('V', 'S', 'U', '-')
KINDS = ('vulnerability', 'design', 'configuration')

# Endpoint names an advisory may use (route names, class names, ``all``) and the class of each:
# defined once, in module_utils/endpoints.py.
ENDPOINT_CLASSES = dict((name, endpoints.endpoint_class(name)) for name in endpoints.endpoint_names())

_TOP_KEYS = ('schema_version', 'last_refreshed', 'description', 'sources', 'advisories')
_ADVISORY_KEYS = (
    'id', 'aliases', 'name', 'summary', 'details', 'kind', 'endpoints', 'affected', 'severity',
    'severity_source', 'cvss', 'confidence', 'confidence_note', 'mitigation', 'compensating_control',
    'references', 'notes', 'curated', 'needs_review', 'published', 'modified', 'withdrawn',
)
_RANGE_KEYS = ('introduced', 'fixed', 'last_affected')


class AdvisoryDataError(ValueError):
    """The advisory data file is missing, unreadable or malformed."""


def default_advisory_path():
    """Path of the collection's own data file (``<collection>/data/advisories.yml``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, '..', '..', 'data', 'advisories.yml'))


def severity_rank(name):
    """Position of a severity name in SEVERITIES; ValueError naming the choices otherwise."""
    if isinstance(name, str) and name.lower() in SEVERITIES:
        return SEVERITIES.index(name.lower())
    raise ValueError('unknown severity %r (known: %s)' % (name, ', '.join(SEVERITIES)))


def load_advisory_file(path):
    """Read a data file (YAML, or JSON by extension) and return its validated content."""
    if not path:
        raise AdvisoryDataError('no advisory data file given')
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        raise AdvisoryDataError('cannot read advisory data file %s: %s' % (path, exc)) from exc
    text = raw.decode('utf-8', errors='replace')
    if path.endswith('.json'):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise AdvisoryDataError('advisory data file %s is not valid JSON: %s' % (path, exc)) from exc
    else:
        try:
            import yaml  # controller side only; PyYAML ships with ansible-core
        except ImportError:
            raise AdvisoryDataError('PyYAML is needed to read %s (or give a .json data file)' % path) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise AdvisoryDataError('advisory data file %s is not valid YAML: %s' % (path, exc)) from exc
    return validate_advisory_data(data, source=path)


def _as_str_list(value, where, errors):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append('%s must be a list of non-empty strings' % where)
        return []
    return [v.strip() for v in value]


def _check_version(value, where, errors, allow_zero=False):
    if value is None:
        return None
    value = str(value).strip()
    if allow_zero and value == '0':
        return '0'
    try:
        return str(OllamaVersion.parse(value))
    except VersionError as exc:
        errors.append('%s: %s' % (where, exc))
        return None


def _date_string(value, where, errors):
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value.strip()[:10], '%Y-%m-%d').date().isoformat()
        except ValueError:
            pass
    errors.append('%s must be a date YYYY-MM-DD, got %r' % (where, value))
    return None


def _validate_advisory(entry, index, errors):
    label = 'advisories[%d]' % index
    if not isinstance(entry, dict):
        errors.append('%s must be a mapping, got %s' % (label, type(entry).__name__))
        return None
    adv_id = entry.get('id')
    if not isinstance(adv_id, str) or not adv_id.strip():
        errors.append('%s: id is missing' % label)
        return None
    adv_id = adv_id.strip()
    label = '%s (%s)' % (label, adv_id)
    unknown = sorted(set(entry) - set(_ADVISORY_KEYS))
    if unknown:
        errors.append('%s: unknown field(s) %s' % (label, ', '.join(unknown)))
    out = {'id': adv_id}
    out['aliases'] = [a for a in _as_str_list(entry.get('aliases'), label + '.aliases', errors) if a != adv_id]
    for key in ('name', 'details', 'severity_source', 'confidence_note', 'notes', 'published', 'modified',
                'withdrawn'):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            value = str(value)
        out[key] = value
    summary = entry.get('summary')
    if not isinstance(summary, str) or not summary.strip():
        errors.append('%s: summary is missing' % label)
    out['summary'] = (summary or '').strip()
    kind = entry.get('kind', 'vulnerability')
    if kind not in KINDS:
        errors.append('%s: kind %r is not one of %s' % (label, kind, ', '.join(KINDS)))
    out['kind'] = kind
    endpoints = _as_str_list(entry.get('endpoints'), label + '.endpoints', errors)
    if not endpoints:
        errors.append('%s: endpoints must name at least one endpoint (%s)'
                      % (label, ', '.join(sorted(ENDPOINT_CLASSES))))
    for name in endpoints:
        if name not in ENDPOINT_CLASSES:
            errors.append('%s: unknown endpoint %r (known: %s)' % (label, name, ', '.join(sorted(ENDPOINT_CLASSES))))
    out['endpoints'] = endpoints

    severity = entry.get('severity')
    try:
        severity_rank(severity)
        out['severity'] = severity.lower()
    except ValueError as exc:
        errors.append('%s: %s' % (label, exc))
        out['severity'] = None
    cvss = entry.get('cvss') or []
    if not isinstance(cvss, list):
        errors.append('%s.cvss must be a list' % label)
        cvss = []
    out['cvss'] = []
    for pos, item in enumerate(cvss):
        if not isinstance(item, dict):
            errors.append('%s.cvss[%d] must be a mapping' % (label, pos))
            continue
        score = item.get('score')
        if score is not None:
            try:
                score = float(score)
            except (TypeError, ValueError):
                errors.append('%s.cvss[%d].score %r is not a number' % (label, pos, score))
                score = None
            if score is not None and not 0.0 <= score <= 10.0:
                errors.append('%s.cvss[%d].score %r is outside 0-10' % (label, pos, score))
        out['cvss'].append({
            'version': None if item.get('version') is None else str(item.get('version')),
            'vector': item.get('vector'),
            'score': score,
            'source': item.get('source'),
        })

    confidence = entry.get('confidence')
    if confidence not in CONFIDENCES:
        errors.append('%s: confidence %r is not one of %s' % (label, confidence, ', '.join(CONFIDENCES)))
    out['confidence'] = confidence

    affected = entry.get('affected')
    if not isinstance(affected, list) or not affected:
        errors.append('%s: affected must be a non-empty list of ranges ({introduced, fixed})' % label)
        affected = []
    out['affected'] = []
    for pos, rng in enumerate(affected):
        where = '%s.affected[%d]' % (label, pos)
        if not isinstance(rng, dict):
            errors.append('%s must be a mapping' % where)
            continue
        extra = sorted(set(rng) - set(_RANGE_KEYS))
        if extra:
            errors.append('%s: unknown field(s) %s' % (where, ', '.join(extra)))
        introduced = _check_version(rng.get('introduced', '0'), where + '.introduced', errors, allow_zero=True)
        fixed = _check_version(rng.get('fixed'), where + '.fixed', errors)
        last = _check_version(rng.get('last_affected'), where + '.last_affected', errors)
        if fixed and last:
            errors.append('%s: give fixed or last_affected, not both' % where)
        out['affected'].append({'introduced': introduced or '0', 'fixed': fixed, 'last_affected': last})

    mitigation = entry.get('mitigation')
    if not isinstance(mitigation, str) or not mitigation.strip():
        errors.append('%s: mitigation is missing' % label)
    out['mitigation'] = (mitigation or '').strip()
    control = entry.get('compensating_control')
    if control is not None:
        if not isinstance(control, dict):
            errors.append('%s.compensating_control must be a mapping' % label)
            control = {}
        close = _as_str_list(control.get('close_endpoints'), label + '.compensating_control.close_endpoints', errors)
        for name in close:
            if name not in ENDPOINT_CLASSES:
                errors.append('%s.compensating_control: unknown endpoint %r' % (label, name))
        description = control.get('description')
        if not isinstance(description, str) or not description.strip():
            errors.append('%s.compensating_control.description is missing' % label)
        control = {'close_endpoints': close, 'description': (description or '').strip()}
    has_unfixed_range = any(not r['fixed'] and not r['last_affected'] for r in out['affected'])
    if has_unfixed_range and not control:
        errors.append('%s: has no fixed version, so compensating_control (close_endpoints, description) '
                      'is required' % label)
    out['compensating_control'] = control
    out['references'] = _as_str_list(entry.get('references'), label + '.references', errors)
    out['curated'] = _as_str_list(entry.get('curated'), label + '.curated', errors)
    out['needs_review'] = bool(entry.get('needs_review', False))
    return out


def validate_advisory_data(data, source='advisory data'):
    """Check the whole data structure; return a normalised copy or raise AdvisoryDataError."""
    errors = []
    if not isinstance(data, dict):
        raise AdvisoryDataError('%s: expected a mapping with schema_version, last_refreshed and advisories, got %s'
                                % (source, type(data).__name__))
    if data.get('schema_version') != SCHEMA_VERSION:
        errors.append('schema_version must be %d, got %r' % (SCHEMA_VERSION, data.get('schema_version')))
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        errors.append('unknown top-level field(s) %s' % ', '.join(unknown))
    date = _date_string(data.get('last_refreshed'), 'last_refreshed', errors)
    entries = data.get('advisories')
    if not isinstance(entries, list) or not entries:
        errors.append('advisories must be a non-empty list')
        entries = []
    advisories = []
    seen = {}
    for index, entry in enumerate(entries):
        adv = _validate_advisory(entry, index, errors)
        if adv is None:
            continue
        for name in [adv['id']] + adv['aliases']:
            if name in seen and seen[name] != adv['id']:
                errors.append('%s is listed by both %s and %s' % (name, seen[name], adv['id']))
            elif name in seen:
                errors.append('%s is listed twice' % name)
            seen[name] = adv['id']
        advisories.append(adv)
    if errors:
        shown = errors[:20]
        more = '' if len(errors) <= 20 else ' (and %d more)' % (len(errors) - 20)
        raise AdvisoryDataError('%s is malformed: %s%s' % (source, '; '.join(shown), more))
    return {
        'schema_version': SCHEMA_VERSION,
        'last_refreshed': date,
        'description': data.get('description'),
        'sources': data.get('sources') or [],
        'advisories': advisories,
    }


def find_advisory(data, name):
    """The advisory whose id or alias is ``name`` (case-insensitive), or None."""
    wanted = (name or '').strip().upper()
    for adv in data['advisories']:
        if adv['id'].upper() == wanted or wanted in [a.upper() for a in adv['aliases']]:
            return adv
    return None


def _version(value):
    return value if isinstance(value, OllamaVersion) else OllamaVersion.parse(value)


def matching_range(advisory, version):
    """The first affected range containing ``version``, or None."""
    version = _version(version)
    for rng in advisory['affected']:
        if rng['introduced'] not in (None, '0') and version < OllamaVersion.parse(rng['introduced']):
            continue
        if rng['fixed'] and version >= OllamaVersion.parse(rng['fixed']):
            continue
        if rng['last_affected'] and version > OllamaVersion.parse(rng['last_affected']):
            continue
        return rng
    return None


def applies(advisory, version):
    """True when ``version`` falls in one of the advisory's affected ranges."""
    return matching_range(advisory, version) is not None


def is_fixable(advisory):
    """True when at least one affected range ends in a fixed version."""
    return any(rng['fixed'] for rng in advisory['affected'])


def is_unfixed(advisory):
    """True when some affected range has no end: no release fixes it."""
    return any(not rng['fixed'] and not rng['last_affected'] for rng in advisory['affected'])


def advisories_for_endpoint(data, endpoint):
    """Advisories touching an endpoint name (``pull``) or a class (``management``).

    Advisories on ``all`` endpoints always count; ``endpoint='all'`` returns every advisory.
    """
    found = []
    for adv in data['advisories']:
        names = set(adv['endpoints'])
        classes = set(ENDPOINT_CLASSES.get(n, n) for n in names)
        if endpoint == 'all' or 'all' in names or endpoint in names or endpoint in classes:
            found.append(adv)
    return found


def _max_score(advisory):
    scores = [c['score'] for c in advisory['cvss'] if c.get('score') is not None]
    return max(scores) if scores else None


def report_item(advisory, fixed_in=None):
    """The dict the module returns for one advisory."""
    control = advisory.get('compensating_control') or {}
    return {
        'id': advisory['id'],
        'aliases': list(advisory['aliases']),
        'name': advisory.get('name'),
        'summary': advisory['summary'],
        'kind': advisory['kind'],
        'severity': advisory['severity'],
        'cvss_score': _max_score(advisory),
        'cvss': [dict(c) for c in advisory['cvss']],
        'confidence': advisory['confidence'],
        'endpoints': list(advisory['endpoints']),
        'endpoint_classes': sorted(set(ENDPOINT_CLASSES[e] for e in advisory['endpoints'])),
        'fixed_in': fixed_in,
        'mitigation': advisory['mitigation'],
        'close_endpoints': list(control.get('close_endpoints') or []),
        'compensating_control': control.get('description'),
        'references': list(advisory['references']),
    }


def minimum_safe_version(data, version, exclude_ids=()):
    """Lowest version that fixes every fixable advisory applying to ``version``.

    Starts from the highest first-fixed version among the fixable advisories that apply to
    ``version`` (minus ``exclude_ids``, e.g. accepted risks), then steps past any fixable advisory
    whose range that candidate still falls in (one introduced later, say). Returns a string, or
    None when no fixable advisory applies. Advisories without a fix are left out: no version
    helps against them.
    """
    version = _version(version)
    excluded = set(exclude_ids or ())
    fixable = [a for a in data['advisories']
               if is_fixable(a) and a['id'] not in excluded and not a.get('withdrawn')]
    candidate = None
    for adv in fixable:
        rng = matching_range(adv, version)
        if rng and rng['fixed']:
            fixed = OllamaVersion.parse(rng['fixed'])
            if candidate is None or fixed > candidate:
                candidate = fixed
    if candidate is None:
        return None
    for _round in range(len(fixable) + 1):
        bumped = False
        for adv in fixable:
            rng = matching_range(adv, candidate)
            if rng and rng['fixed']:
                candidate = OllamaVersion.parse(rng['fixed'])
                bumped = True
        if not bumped:
            break
    return str(candidate)


def _normalise_ignore(ignore):
    """Validate the ``ignore`` list: each item needs an id and a non-empty reason."""
    result = []
    for pos, item in enumerate(ignore or []):
        if isinstance(item, dict):
            adv_id, reason = item.get('id'), item.get('reason')
        else:
            adv_id, reason = item, None
        if not isinstance(adv_id, str) or not adv_id.strip():
            raise ValueError('ignore[%d]: id is missing' % pos)
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError('ignore[%d] (%s): a reason is required for every accepted risk' % (pos, adv_id))
        result.append({'id': adv_id.strip(), 'reason': reason.strip()})
    return result


def evaluate(version, data, ignore=None, fail_on_severity=None, fail_on_unfixed=False):
    """Judge ``version`` against validated ``data``.

    Returns a dict with the module's result keys (``version``, ``vulnerable``, ``advisories``,
    ``unfixed``, ``accepted``, ``minimum_safe_version``, ``data_date``), plus ``warnings`` (list of
    strings), ``gate_failed`` (bool) and ``gate_reasons`` (list of strings).

    - ``advisories``: every advisory applying to the version and not accepted via ``ignore``,
      fixable and unfixed alike.
    - ``unfixed``: the subset of ``advisories`` that no release fixes (compensating control needed).
    - ``vulnerable``: True when a fixable advisory applies (an upgrade is needed), False when none
      does, None when the version cannot be judged (0.0.0, a source build).
    - ``fail_on_severity``: the gate breaks when a fixable applicable advisory is at or above that
      severity (unfixed ones too when ``fail_on_unfixed``), or when the version cannot be judged.
    """
    version = _version(version)
    threshold = None if fail_on_severity in (None, '') else severity_rank(fail_on_severity)
    ignore_items = _normalise_ignore(ignore)
    warnings = []
    accepted_by_id = {}
    for item in ignore_items:
        adv = find_advisory(data, item['id'])
        if adv is None:
            warnings.append('ignore: %s is not in the advisory data (dated %s); check the id'
                            % (item['id'], data.get('last_refreshed')))
            continue
        accepted_by_id[adv['id']] = item['reason']

    judged = not version.is_source_build
    if not judged:
        warnings.append(
            'version %s is a source build (0.0.0): it cannot be compared with fixed versions, so only '
            'advisories without a fix are listed; pass version: with the release the build is based on'
            % version)

    applicable, unfixed, accepted = [], [], []
    for adv in data['advisories']:
        if adv.get('withdrawn'):
            continue
        if judged:
            rng = matching_range(adv, version)
            if rng is None:
                continue
        else:
            if not is_unfixed(adv):
                continue
            rng = next(r for r in adv['affected'] if not r['fixed'] and not r['last_affected'])
        item = report_item(adv, fixed_in=rng['fixed'])
        if adv['id'] in accepted_by_id:
            item['reason'] = accepted_by_id[adv['id']]
            accepted.append(item)
            continue
        applicable.append(item)
        if not rng['fixed']:
            unfixed.append(item)

    if judged:
        safe = minimum_safe_version(data, version, exclude_ids=accepted_by_id)
        vulnerable = any(i['fixed_in'] for i in applicable)
    else:
        # Nothing is known about the build: the lowest release fixing everything fixable.
        safe = minimum_safe_version(data, OllamaVersion(0, 0, 0), exclude_ids=accepted_by_id)
        vulnerable = None

    gate_reasons = []
    if threshold is not None:
        for item in applicable:
            if item['fixed_in'] is None and not fail_on_unfixed:
                continue
            if severity_rank(item['severity']) >= threshold:
                gate_reasons.append('%s (%s%s)' % (item['id'], item['severity'],
                                                   ', no fix: needs a compensating control'
                                                   if item['fixed_in'] is None else
                                                   ', fixed in %s' % item['fixed_in']))
        if not judged:
            gate_reasons.append('version %s cannot be judged against fail_on_severity=%s' % (version, fail_on_severity))

    return {
        'version': str(version),
        'vulnerable': vulnerable,
        'advisories': applicable,
        'unfixed': unfixed,
        'accepted': accepted,
        'minimum_safe_version': safe,
        'data_date': data.get('last_refreshed'),
        'warnings': warnings,
        'gate_failed': bool(gate_reasons),
        'gate_reasons': gate_reasons,
    }
