# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/server/templates/sandbox.conf.j2: GPU device names and ReadWritePaths (issue 11, items 11 and 12)."""

import re
from pathlib import Path

import jinja2
import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "server"


def render(**overrides):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLE / "templates")), keep_trailing_newline=True)  # noqa: S701 (not HTML)
    env.tests["match"] = lambda value, pattern: re.match(pattern, value) is not None
    env.filters["bool"] = lambda v: v if isinstance(v, bool) else str(v).lower() in ("1", "yes", "true", "on")
    values = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    values.update(yaml.safe_load((ROLE / "vars" / "main.yml").read_text()))
    values.update(yaml.safe_load((ROLE / "vars" / "Debian.yml").read_text()))
    values.update(server_run_user="ollama", server_user_home="/usr/share/ollama",
                  server_final_models_dir="/usr/share/ollama/.ollama/models")
    values.update(overrides)
    return env.get_template("sandbox.conf.j2").render(**values)


def device_allows(text):
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("DeviceAllow=")]


def test_nvidia_allows_the_names_old_and_current_drivers_register():
    allows = device_allows(render(server_gpu="nvidia"))
    # <= 535 (nv-frontend.c) and >= 545 (nv.c "nvidia"/"nvidiactl", nvidia-modeset, nvidia-uvm, nvidia-caps)
    for name in ("nvidia-frontend", "nvidia", "nvidiactl", "nvidia-modeset", "nvidia-uvm", "nvidia-caps",
                 "nvidia-nvswitch", "nvidia-nvlink", "nvidia-caps-imex-channels"):
        assert f"char-{name} rw" in allows
    assert all(a.startswith("char-nvidia") and a.endswith(" rw") for a in allows)


def test_no_gpu_keeps_private_devices():
    text = render()
    assert "PrivateDevices=yes" in text and device_allows(text) == []


def test_custom_models_dir_keeps_home_dot_ollama_optional():
    text = render(server_final_models_dir="/srv/ollama-models")
    rw = next(line for line in text.splitlines() if line.startswith("ReadWritePaths="))
    # A missing directory without '-' fails the unit with 226/NAMESPACE.
    assert rw == "ReadWritePaths=/srv/ollama-models -/usr/share/ollama/.ollama"
    assert "ProtectHome=yes" in text


def test_models_under_home_make_home_read_only():
    text = render(server_user_home="/home/ollama", server_final_models_dir="/home/ollama/.ollama/models")
    assert "ProtectHome=read-only" in text
