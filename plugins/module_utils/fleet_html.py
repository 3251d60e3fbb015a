# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one HTML page a person reads (from fleet_report's record).

Self-contained: inline CSS, no script, no external asset, and a Content-Security-Policy that
forbids both, so the page works offline and from a mail attachment. Everything that comes from
the audited hosts (model names, license lines, banners, evidence) is attacker-controlled: every
value goes through ``_e`` (HTML-escaped, control and bidi characters shown as escapes), and no
value ever becomes a tag, an attribute name, an id or a URL.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import re

VERDICT_WORDS = {'pass': 'PASS', 'fail': 'FAIL', 'not_examined': 'NOT EXAMINED'}
_SEVERITY_CLASS = {'critical': 'sev-critical', 'high': 'sev-high', 'medium': 'sev-medium', 'low': 'sev-low'}
_ENDPOINT_CLASS = {'exposed': 'bad', 'not_ollama': 'warn', 'restricted': 'warn', 'hardened': 'good',
                   'incomplete': 'unknown', 'unreachable': 'unknown'}
# C0/C1 controls (but tab and newline), and the bidi controls that can make text read backwards
_UNSAFE = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_MAX_TEXT = 400
_MAX_EVIDENCE = 3

CSS = """
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:1.5em auto;max-width:75em;padding:0 1em;
color:#1d1d1d;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:0;display:inline}h3{font-size:1.05em;margin:1.1em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:.92em}
th,td{border:1px solid #c8c8c8;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
code,.mono{font-family:"DejaVu Sans Mono",monospace;font-size:.92em;overflow-wrap:anywhere}
.verdict{display:inline-block;font-weight:bold;padding:.05em .5em;border-radius:.3em;border:2px solid}
.v-fail,.bad{color:#fff;background:#b00020;border-color:#b00020}
.v-pass,.good{color:#fff;background:#1b6e20;border-color:#1b6e20}
.v-not_examined,.unknown{color:#000;background:#ffd54f;border-color:#8a6d00}
.warn{color:#000;background:#ffb74d;border-color:#a05a00}
.gate{font-size:1.15em;font-weight:bold;padding:.4em .7em;border-radius:.3em;display:inline-block}
.gate-failed{background:#b00020;color:#fff}.gate-passed{background:#1b6e20;color:#fff}
section.host{border:1px solid #bbb;border-radius:.4em;padding:.8em 1em;margin:1.2em 0}
.not-read{background:#fff3cd;border-left:.35em solid #8a6d00;padding:.4em .6em;margin:.4em 0}
.sev{font-weight:bold;text-transform:uppercase;font-size:.85em}
.sev-critical{color:#b00020}.sev-high{color:#c62828}.sev-medium{color:#a05a00}.sev-low{color:#555}
ul.reasons{margin:.4em 0;padding-left:1.3em}
li.breach{color:#b00020}li.unexamined{color:#6d4c00}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;margin:.6em 0}
dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
.small{font-size:.85em;color:#555}
@media print{section.host{break-inside:avoid-page}}
"""


def _e(value, limit=_MAX_TEXT):
    """Text for HTML: escaped, unsafe characters made visible, cut at ``limit`` characters."""
    if value is None:
        return ''
    text = _UNSAFE.sub(lambda m: '\\u%04x' % ord(m.group()), str(value))
    if limit and len(text) > limit:
        text = text[:limit - 1] + '\u2026'
    return html.escape(text, quote=True)


def _or(value, missing='-'):
    return _e(value) if value not in (None, '') else missing


def _size(num):
    if not isinstance(num, int) or isinstance(num, bool):
        return '-'
    for unit, step in (('GB', 10 ** 9), ('MB', 10 ** 6), ('kB', 10 ** 3)):
        if num >= step:
            return '%.1f %s' % (num / float(step), unit)
    return '%d B' % num


def _verdict(word):
    return '<span class="verdict v-%s">%s</span>' % (
        word if word in VERDICT_WORDS else 'not_examined', VERDICT_WORDS.get(word, _e(word)))


def _endpoint_verdict(name):
    if not name:
        return '<span class="verdict unknown">not probed</span>'
    return '<span class="verdict %s">%s</span>' % (_ENDPOINT_CLASS.get(name, 'unknown'), _e(name))


def _severity(name):
    return '<span class="sev %s">%s</span>' % (_SEVERITY_CLASS.get(name, ''), _e(name))


def _not_read(text):
    return '<p class="not-read"><strong>NOT READ</strong>: %s</p>' % text


# ---- summary ---------------------------------------------------------------------------------
def _findings_cell(host):
    endpoint = host['endpoint']
    if endpoint['state'] == 'not_examined':
        return 'not examined'
    counts = {}
    for f in endpoint['findings']:
        counts[f['severity']] = counts.get(f['severity'], 0) + 1
    text = ', '.join('%d %s' % (counts[s], s) for s in ('critical', 'high', 'medium', 'low', 'info') if s in counts)
    return (text or 'none') + (' (partly examined)' if endpoint['state'] == 'partial' else '')


def _version_cell(version):
    if version['state'] == 'read':
        if version['vulnerable']:
            judged = 'vulnerable'
        elif version['vulnerable'] is None:
            judged = 'not judged'
        else:
            judged = '%d unfixed advisories' % len(version['unfixed']) if version['unfixed'] else 'no advisory'
        return '%s (%s)' % (_e(version['version']), judged)
    return {'not_installed': 'not installed'}.get(version['state'], 'NOT EXAMINED')


def _models_cell(models):
    if models['state'] == 'read':
        return '%d' % len(models['items'])
    return 'NOT READ' if models['state'] == 'not_read' else '-'


def _summary(doc):
    rows = []
    for index, host in enumerate(doc['hosts'], 1):
        rows.append('<tr><td><a href="#host-%d">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
                    '<td>%s</td><td>%s</td></tr>' % (
                        index, _e(host['host']), _verdict(host['verdict']),
                        _endpoint_verdict(host['endpoint'].get('verdict')), _e(host['deployment']),
                        _version_cell(host['version']), _findings_cell(host), _models_cell(host['models'])))
    return ('<table class="summary"><thead><tr><th>Host</th><th>Verdict</th><th>Endpoint</th><th>Deployment</th>'
            '<th>Version</th><th>Findings</th><th>Models</th></tr></thead><tbody>%s</tbody></table>' % ''.join(rows))


# ---- changes since the previous run ------------------------------------------------------------
def _change_list(title, items):
    if not items:
        return ''
    return '<p><strong>%s</strong>: %s</p>' % (title, '; '.join(
        '%s <code>%s</code> %s%s' % (_severity(i['severity']), _e(i['id']), _e(i['title']),
                                     (' (%s)' % _e(i['why'])) if i.get('why') else '') for i in items))


def _changes(doc):
    ch = doc.get('changes')
    if not ch:
        return ''
    out = ['<section class="changes"><h2>Since the previous report</h2>',
           '<p class="small">Compared with %s.</p>' % _e(ch.get('previous'))]
    if ch.get('error'):
        out.append(_not_read(_e(ch['error']) + ' Nothing is said about what changed.'))
    for host in ch.get('hosts') or []:
        out.append('<h3>%s: %s &rarr; %s (endpoint %s &rarr; %s)</h3>' % (
            _e(host['host']), _e(VERDICT_WORDS.get(host['verdict'][0], host['verdict'][0])),
            _e(VERDICT_WORDS.get(host['verdict'][1], host['verdict'][1])),
            _e(host['endpoint_verdict'][0] or 'not probed'), _e(host['endpoint_verdict'][1] or 'not probed')))
        parts = [_change_list('Closed', host['closed']), _change_list('Opened', host['opened']),
                 _change_list('Still open', host['still_open']),
                 _change_list('Not compared', host['not_compared'])]
        out.append(''.join(parts) or '<p>Nothing open before or now.</p>')
    if ch.get('new_hosts'):
        out.append('<p><strong>New in this report</strong>: %s</p>' % ', '.join(_e(h) for h in ch['new_hosts']))
    if ch.get('gone_hosts'):
        out.append('<p><strong>Not in this run\'s scope</strong> (nothing is known about them now): %s</p>'
                   % ', '.join(_e(h) for h in ch['gone_hosts']))
    out.append('</section>')
    return ''.join(out)


# ---- one host -----------------------------------------------------------------------------------
def _reasons(host):
    items = (['<li class="breach">%s</li>' % _e(r) for r in host['breaches']]
             + ['<li class="unexamined">%s</li>' % _e(r) for r in host['not_examined']]
             + ['<li>%s</li>' % _e(r) for r in host['notes']])
    return '<ul class="reasons">%s</ul>' % ''.join(items) if items else ''


def _advisory_rows(items):
    return ''.join('<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
        _e(a['id']), _severity(a['severity']), _or(a.get('name')), _or(a.get('fixed_in'), 'no fix'),
        _or(a.get('summary'))) for a in items)


def _version(version):
    out = ['<h3>Version against the advisories</h3>']
    if version['state'] == 'not_installed':
        return ''.join(out) + '<p>Ollama is not installed here: %s</p>' % _e(version['reason'])
    if version['state'] != 'read':
        return ''.join(out) + _not_read('version NOT examined: %s' % _e(version['reason']))
    if version['vulnerable']:
        judged = '<strong class="sev-critical">vulnerable</strong>, upgrade to %s' % _or(
            version['minimum_safe_version'], 'a fixed release')
    elif version['vulnerable'] is None:
        judged = 'could not be judged'
    elif version['unfixed']:
        judged = ('no upgrade to make, but %d advisories without a fix apply: they need the compensating controls '
                  '(proxy, firewall, loopback bind)' % len(version['unfixed']))
    else:
        judged = 'no advisory applies'
    out.append('<p>Ollama <code>%s</code> (read from %s): %s. Advisory data of %s.</p>' % (
        _e(version['version']), _or(version['source']), judged, _or(version['data_date'])))
    items = version['advisories'] + version['unfixed']
    if items:
        seen, rows = set(), []
        for a in items:
            if a['id'] not in seen:
                seen.add(a['id'])
                rows.append(a)
        out.append('<table><thead><tr><th>Advisory</th><th>Severity</th><th>Name</th><th>Fixed in</th>'
                   '<th>Summary</th></tr></thead><tbody>%s</tbody></table>' % _advisory_rows(rows))
    if version['accepted']:
        out.append('<p class="small">Accepted risks: %s</p>' % ', '.join(_e(a['id']) for a in version['accepted']))
    return ''.join(out)


def _evidence(items):
    shown = ['<li><code>%s</code> &rarr; %s%s</li>' % (
        _e(ev.get('request')), _e(ev.get('status') if ev.get('status') is not None else ev.get('error') or '-'),
        (' (%s)' % _e(ev['detail'])) if ev.get('detail') else '') for ev in items[:_MAX_EVIDENCE]]
    more = len(items) - _MAX_EVIDENCE
    if more > 0:
        shown.append('<li class="small">%d more in the JSON record</li>' % more)
    return '<ul>%s</ul>' % ''.join(shown) if shown else '-'


def _fixes(fixes):
    return '<ul>%s</ul>' % ''.join('<li>%s: %s <span class="small">(%s)</span></li>' % (
        ', '.join('<code>%s</code>' % _e(v) for v in f['variables']), _e(f['what']), _e(f['role']))
        for f in fixes) if fixes else '-'


def _endpoint(endpoint):
    out = ['<h3>Endpoints probed from outside</h3>',
           '<p><code>%s</code>: %s</p>' % (_e(endpoint['url']), _endpoint_verdict(endpoint.get('verdict')))]
    reason = re.sub('^not examined: ', '', str(endpoint.get('reason') or ''))
    if endpoint['state'] == 'not_examined':
        return ''.join(out) + _not_read('endpoints NOT examined: %s. Nothing is known about what they allow '
                                        '(never counted as closed).' % _e(reason))
    if endpoint['state'] == 'partial':
        out.append(_not_read('partly examined, not examined: %s' % _e(reason)))
    elif endpoint.get('reason'):
        out.append('<p>%s</p>' % _e(endpoint['reason']))
    facts = [('Open anonymously', ', '.join(endpoint.get('open_anonymously') or []) or 'nothing'),
             ('Identified by', '; '.join(endpoint.get('identified_by') or []) or '-'),
             ('Server header', endpoint.get('server_header') or '-')]
    out.append('<dl class="facts">%s</dl>' % ''.join('<dt>%s</dt><dd>%s</dd>' % (k, _e(v)) for k, v in facts))
    if not endpoint['findings']:
        out.append('<p>No findings.</p>')
        return ''.join(out)
    rows = ''.join('<tr><td>%s</td><td><code>%s</code><br>%s%s</td><td>%s</td><td>%s</td></tr>' % (
        _severity(f['severity']), _e(f['id']), _e(f['title']),
        ('<br><span class="small">%s</span>' % _e(f['detail'])) if f.get('detail') else '',
        _evidence(f['evidence']), _fixes(f['fixes'])) for f in endpoint['findings'])
    out.append('<table><thead><tr><th>Severity</th><th>Finding</th><th>Evidence</th><th>Fixed by (variable)</th>'
               '</tr></thead><tbody>%s</tbody></table>' % rows)
    return ''.join(out)


def _model_rows(items):
    rows = []
    for m in items:
        if m.get('show_error'):
            license_cell = '<strong>NOT READ</strong>: %s' % _e(m['show_error'])
        else:
            license_cell = _e(m['license']) if m.get('license') else 'none declared'
        rows.append('<tr><td class="mono">%s</td><td class="mono">%s</td><td>%s<br><span class="small">%s bytes'
                    '</span></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                        _e(m.get('name')), _or(m.get('digest')), _size(m.get('size')), _or(m.get('size')),
                        _or(m.get('family')), _or(m.get('parameter_size')), _or(m.get('quantization_level')),
                        license_cell))
    return ''.join(rows)


def _models(models):
    out = ['<h3>Models (what the server serves)</h3>']
    if models['state'] == 'not_applicable':
        return ''.join(out) + '<p>%s</p>' % _e(models['reason'])
    if models['state'] != 'read':
        return ''.join(out) + _not_read('model inventory NOT read: %s' % _e(models['reason']))
    if not models['items']:
        return ''.join(out) + '<p>The server lists no models (read from %s).</p>' % _or(models.get('url'))
    out.append('<table><thead><tr><th>Name</th><th>Digest</th><th>Size</th><th>Family</th><th>Parameters</th>'
               '<th>Quantization</th><th>License (first line)</th></tr></thead><tbody>%s</tbody></table>'
               % _model_rows(models['items']))
    if models.get('truncated'):
        out.append(_not_read('%d more models listed by the server were not read (max_models)' % models['truncated']))
    return ''.join(out)


def _host(index, host):
    return ''.join([
        '<section class="host" id="host-%d"><h2>%s</h2> %s' % (index, _e(host['host']), _verdict(host['verdict'])),
        ' <span class="small">(fails the gate)</span>' if host['fails_gate'] else '',
        _reasons(host),
        '<dl class="facts"><dt>Deployment</dt><dd>%s</dd></dl>' % _e(host['deployment']),
        _version(host['version']), _endpoint(host['endpoint']), _models(host['models']),
        '</section>'])


def render(doc):
    """The page for a fleet_report record."""
    counts = doc['counts']
    gate = doc['gate']
    title = 'Ollama fleet audit: gate %s' % ('FAILED' if gate == 'failed' else 'passed')
    body = [
        '<h1>Ollama fleet audit</h1>',
        '<p class="gate gate-%s">Gate %s: %d of %d host(s) fail it</p>' % (
            'failed' if gate == 'failed' else 'passed', 'FAILED' if gate == 'failed' else 'passed',
            counts['fails_gate'], counts['hosts']),
        '<p>%d pass, %d fail, %d NOT examined. A host or a part that could not be examined is never counted as '
        'closed or clean%s.</p>' % (
            counts['pass'], counts['fail'], counts['not_examined'],
            '' if doc['fail_on_unexamined'] else ' (this run allows them: audit_fail_on_unexamined=false)'),
        _summary(doc), _changes(doc),
        ''.join(_host(i, h) for i, h in enumerate(doc['hosts'], 1)),
        '<p class="small">Written by playbooks/audit.yml (aisec.ollama), record schema %s; the JSON record '
        'beside this page holds every detail.</p>' % _e(doc['schema']),
    ]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n%s\n</body></html>\n'
            % (_e(title), CSS, '\n'.join(body)))
