# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/container's slot units: the lock-down options in each flavour (podman and docker units,
Quadlet file) and GPU passthrough, which the lab cannot run (no GPU): CDI devices for podman,
--gpus for docker."""

import re
import shlex
from pathlib import Path

import jinja2
import pytest

ROLE = Path(__file__).resolve().parents[3] / "roles" / "container"
SLOT = {"name": "b", "unit": "aisec-ollama-b", "port": 11435}


def render(template, engine="podman", gpus=()):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLE / "templates")),  # noqa: S701 (not HTML)
                             keep_trailing_newline=True, extensions=["jinja2.ext.do"])
    env.filters["quote"] = shlex.quote
    env.filters["regex_replace"] = lambda value, pattern, repl: re.sub(pattern, repl, value)
    env.filters["bool"] = bool
    values = dict(
        container_target=SLOT, container_engine_final=engine, container_name_prefix="aisec-ollama",
        container_hash="0123456789abcdef", container_uid=990, container_gid=990, container_network="aisec-ollama",
        container_data_dir_final="/var/lib/aisec-ollama", container_home="/var/lib/ollama",
        container_image_id="sha256:" + "a" * 64, container_nft_table="aisec_ollama_container",
        container_start_timeout=300, container_quadlet_install=True,
        container_wanted=dict(tmpfs="64m", pids=2048, memory="512m", cpus=1, health="ollama list", gpus=list(gpus)))
    return env.get_template(template).render(**values)


FLAVOURS = [("container.service.j2", "podman"), ("container.service.j2", "docker"),
            ("container.container.j2", "podman")]


@pytest.mark.parametrize(("template", "engine"), FLAVOURS)
def test_every_flavour_locks_the_container_down(template, engine):
    text = render(template, engine)
    if template.endswith(".container.j2"):
        for line in ("ReadOnly=true", "DropCapability=all", "NoNewPrivileges=true", "User=990", "PidsLimit=2048",
                     "PublishPort=127.0.0.1:11435:11434", "HealthCmd=ollama list", "[Install]"):
            assert line in text.splitlines()
        assert "--memory 512m --cpus 1" in text
    else:
        for option in ("--read-only", "--cap-drop all", "--security-opt no-new-privileges", "--user 990:990",
                       "--pids-limit 2048", "--memory 512m", "--cpus 1", "--publish 127.0.0.1:11435:11434",
                       "--health-cmd 'ollama list'"):
            assert f"  {option} \\" in text.splitlines()
    assert "--restart" not in text and "11434:11434\n" not in text


@pytest.mark.parametrize(("template", "engine", "wanted"), [
    ("container.service.j2", "podman", ["  --device nvidia.com/gpu=all \\"]),
    ("container.service.j2", "docker", ["  --gpus all \\"]),
    ("container.container.j2", "podman", ["AddDevice=nvidia.com/gpu=all"]),
])
def test_gpus_reach_the_engine_in_its_own_words(template, engine, wanted):
    gpus = ["all"] if engine == "docker" else ["nvidia.com/gpu=all"]
    with_gpu = render(template, engine, gpus).splitlines()
    without = render(template, engine).splitlines()
    assert all(line in with_gpu for line in wanted)
    assert not any("gpu" in line.lower() for line in without if not line.startswith("#"))
