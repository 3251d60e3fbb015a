# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Version parsing and ordering of aisec.ollama (module_utils/ollama_version.py)."""

import itertools

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils.ollama_version import (
    OllamaVersion,
    VersionError,
    parse_cli_output,
    split_image_reference,
    version_from_image,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize('text, normalised', [
    ('0.1.34', '0.1.34'),
    ('0.32.15', '0.32.15'),
    ('v0.33.0-rc2', '0.33.0-rc2'),
    ('V0.33.0-rc.2', '0.33.0-rc.2'),
    ('0.0.0', '0.0.0'),
    (' 0.1.33\n', '0.1.33'),
    ('0.1.34-5-gabc1234', '0.1.34-5-gabc1234'),
    ('0.1.34-5-gabc1234-dirty', '0.1.34-5-gabc1234-dirty'),
    ('0.5.0+build.7', '0.5.0'),
])
def test_real_ollama_version_strings_parse(text, normalised):
    assert str(OllamaVersion.parse(text)) == normalised


@pytest.mark.parametrize('garbage', [
    '', 'latest', 'ollama', '0.1', '1', '1.2.3.4', '01.2.3', '0.1.x', 'v', '0.1.34-', '0.1.34 rc1',
    'ollama version is 0.1.34', '0..1', '-0.1.34', '0.1.34--rc1', 'rocm',
])
def test_garbage_is_rejected_and_quoted(garbage):
    with pytest.raises(VersionError) as exc:
        OllamaVersion.parse(garbage)
    assert repr(garbage) in str(exc.value)
    assert 'not an Ollama version' in str(exc.value)


def test_non_string_is_rejected():
    with pytest.raises(VersionError):
        OllamaVersion.parse(1.2)


def test_source_build_is_recognised():
    assert OllamaVersion.parse('0.0.0').is_source_build
    assert not OllamaVersion.parse('0.0.1').is_source_build


@pytest.mark.parametrize('lower, higher', [
    ('0.1.33', '0.1.34'),
    ('0.1.45', '0.1.46'),
    ('0.17.0', '0.17.1'),
    ('0.17.1-rc2', '0.17.1'),
    ('0.17.1-rc0', '0.17.1-rc1'),
    ('0.17.1-rc2', '0.17.1-rc10'),
    ('0.9.9', '0.10.0'),
    ('0.1.34', '0.1.34-5-gabc1234'),
    ('0.1.34-5-gabc1234', '0.1.35'),
    ('0.1.34-rc1-3-gabc1234', '0.1.34'),
    ('0.0.0', '0.0.1'),
    ('0.33.0-alpha', '0.33.0-rc1'),
])
def test_ordering_examples(lower, higher):
    assert OllamaVersion.parse(lower) < OllamaVersion.parse(higher)
    assert OllamaVersion.parse(higher) > lower
    assert OllamaVersion.parse(lower) != OllamaVersion.parse(higher)


def test_rc_with_and_without_dot_are_the_same_version():
    assert OllamaVersion.parse('0.33.0-rc2') == OllamaVersion.parse('v0.33.0-rc.2')
    assert hash(OllamaVersion.parse('0.33.0-rc2')) == hash(OllamaVersion.parse('0.33.0-rc.2'))


# --- property-based ordering ----------------------------------------------------------------
numbers = st.integers(min_value=0, max_value=400)
prereleases = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(['rc', 'alpha', 'beta']), st.integers(min_value=0, max_value=30)),
)
versions = st.tuples(numbers, numbers, numbers, prereleases)


def render(parts, dotted=False, prefix=''):
    major, minor, patch, pre = parts
    text = f'{prefix}{major}.{minor}.{patch}'
    if pre:
        text += f"-{pre[0]}{'.' if dotted else ''}{pre[1]}"
    return text


def reference_key(parts):
    """Independent model of the ordering: release after any of its pre-releases."""
    major, minor, patch, pre = parts
    return (major, minor, patch, (1, '', 0) if pre is None else (0, pre[0], pre[1]))


@given(versions)
def test_round_trip_and_v_prefix(parts):
    version = OllamaVersion.parse(render(parts))
    assert OllamaVersion.parse(str(version)) == version
    assert OllamaVersion.parse(render(parts, prefix='v')) == version
    assert OllamaVersion.parse(render(parts, dotted=True)) == version


@given(versions, versions)
def test_order_matches_the_reference_model(a, b):
    va, vb = OllamaVersion.parse(render(a)), OllamaVersion.parse(render(b))
    ka, kb = reference_key(a), reference_key(b)
    assert (va < vb) == (ka < kb)
    assert (va == vb) == (ka == kb)
    assert (va > vb) == (ka > kb)
    assert (va <= vb) != (va > vb)


@given(st.tuples(numbers, numbers, numbers), st.sampled_from(['rc', 'alpha', 'beta']), st.integers(0, 99))
def test_prerelease_sorts_before_its_release(core, tag, number):
    release = OllamaVersion.parse('{}.{}.{}'.format(*core))
    pre = OllamaVersion.parse('{}.{}.{}-{}{}'.format(*core, tag, number))
    assert pre < release
    assert pre.is_prerelease and not release.is_prerelease


@given(st.lists(versions, min_size=1, max_size=25))
def test_sorting_is_a_total_order(items):
    parsed = sorted(OllamaVersion.parse(render(p)) for p in items)
    for left, right in itertools.pairwise(parsed):
        assert left <= right
        assert not right < left
    assert [reference_key(p) for p in sorted(items, key=reference_key)] == \
        [reference_key(p) for p in sorted(items, key=lambda p: OllamaVersion.parse(render(p)))]


# --- `ollama -v` output -------------------------------------------------------------------------
def test_cli_output_with_a_running_server():
    assert parse_cli_output('ollama version is 0.1.33\n') == ('0.1.33', None)


def test_cli_output_without_a_server():
    text = 'Warning: could not connect to a running Ollama instance\nWarning: client version is 0.32.15\n'
    assert parse_cli_output(text) == (None, '0.32.15')


def test_cli_output_with_server_and_client_differing():
    text = 'ollama version is 0.1.33\nWarning: client version is 0.17.1\n'
    assert parse_cli_output(text) == ('0.1.33', '0.17.1')


def test_cli_output_without_a_version_fails():
    with pytest.raises(VersionError, match='no "ollama version is X"'):
        parse_cli_output('bash: ollama: command not found')


# --- images ------------------------------------------------------------------------------------
@pytest.mark.parametrize('image, version', [
    ('ollama/ollama:0.32.15', '0.32.15'),
    ('docker.io/ollama/ollama:0.3.14-rocm', '0.3.14'),
    ('registry.example:5000/ollama/ollama:v0.33.0-rc2', '0.33.0-rc2'),
    ('ollama/ollama:0.6.0-rc0-rocm', '0.6.0-rc0'),
])
def test_version_from_image_tag(image, version):
    found, detail = version_from_image(image)
    assert str(found) == version
    assert detail['from'] == 'tag'


def test_label_wins_over_tag():
    found, detail = version_from_image('ollama/ollama:latest', {'org.opencontainers.image.version': '0.1.33'})
    assert str(found) == '0.1.33'
    assert detail['from'] == 'label'


@pytest.mark.parametrize('image', ['ollama/ollama:latest', 'ollama/ollama', 'ollama/ollama:rocm',
                                   'ollama/ollama@sha256:' + '0' * 64])
def test_image_without_a_version_asks_for_labels(image):
    with pytest.raises(VersionError, match='image_labels'):
        version_from_image(image, {'org.opencontainers.image.title': 'ollama'})


def test_split_image_reference_keeps_registry_port():
    assert split_image_reference('host:5000/ollama/ollama') == ('host:5000/ollama/ollama', None, None)
