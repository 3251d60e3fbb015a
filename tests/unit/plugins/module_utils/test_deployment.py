# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Ollama is deployed: systemctl show and engine inspect output read into a kind."""

from ansible_collections.aisec.ollama.plugins.module_utils import deployment as dep

INSTALL_SH_UNIT = """Id=ollama.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled
User=ollama
Environment=PATH=/usr/local/bin:/usr/bin "OLLAMA_HOST=0.0.0.0" OLLAMA_MODELS=/srv/models
ExecStart={ path=/usr/local/bin/ollama ; argv[]=/usr/local/bin/ollama serve ; ignore_errors=no }
"""

# What podman 4.3 prints for the official image run as its README shows (fields trimmed).
README_CONTAINER = {
    "Id": "c0ffee", "Name": "ollama", "Image": "4e5f", "ImageName": "docker.io/ollama/ollama:latest",
    "Config": {"Image": "docker.io/ollama/ollama:latest", "User": "", "Labels": None,
               "Env": ["PATH=/usr/bin", "OLLAMA_HOST=0.0.0.0:11434"]},
    "State": {"Running": True, "Status": "running"},
    "HostConfig": {"PortBindings": {"11434/tcp": [{"HostIp": "", "HostPort": "11434"}]},
                   "RestartPolicy": {"Name": "always"}},
    "Mounts": [{"Type": "volume", "Name": "ollama", "Source": "/var/lib/containers/storage/volumes/ollama/_data",
                "Destination": "/root/.ollama"}],
}


def test_install_sh_unit_is_a_native_service_with_its_settings():
    native = dep.native_service(dep.parse_systemctl_show(INSTALL_SH_UNIT))
    assert native == {"unit": "ollama.service", "active": True, "enabled": True, "user": "ollama",
                      "models_env": "/srv/models", "host_env": "0.0.0.0"}


def test_unit_that_runs_a_container_is_not_native():
    text = INSTALL_SH_UNIT.replace("/usr/local/bin/ollama serve", "/usr/bin/podman run --name ollama ollama/ollama")
    assert dep.native_service(dep.parse_systemctl_show(text)) is None


def test_missing_unit_is_no_native_service():
    assert dep.native_service(dep.parse_systemctl_show("Id=ollama.service\nLoadState=not-found\n")) is None


def test_readme_container_is_ollama_published_everywhere_with_its_volume():
    record = dep.container_record("podman", README_CONTAINER)
    assert dep.is_ollama(record)
    assert record["published"] == [{"container_port": 11434, "host_ip": "0.0.0.0", "host_port": 11434}]
    assert record["user"] == "root" and record["slot"] == ""
    assert dep.data_mount(record)["name"] == "ollama"


def test_other_containers_are_not_ollama():
    web = dict(README_CONTAINER, Config={"Image": "nginx:1.27", "Labels": {}, "Env": []},
               HostConfig={"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}}, Mounts=[])
    assert not dep.is_ollama(dep.container_record("docker", web))


def test_role_container_is_known_by_its_slot_label():
    own = dict(README_CONTAINER, Config={"Image": "sha256:4e5f", "User": "999:999",
                                         "Labels": {dep.SLOT_LABEL: "b", dep.CONFIG_LABEL: "abc"}, "Env": []})
    record = dep.container_record("podman", own)
    assert (record["slot"], record["config"], record["user"]) == ("b", "abc", "999:999")
    assert dep.is_ollama(record)


def test_kind_prefers_a_running_container_then_an_enabled_service():
    native = {"active": False, "enabled": True}
    running = {"running": True}
    stopped = {"running": False}
    assert dep.kind(native, [running]) == "container"
    assert dep.kind(native, [stopped]) == "native"
    assert dep.kind(None, [stopped]) == "container"
    assert dep.kind({"active": False, "enabled": False}, []) == "native"
    assert dep.kind(None, []) == "none"


def test_models_env_inside_the_mount_finds_a_bind_mount():
    record = dep.container_record("docker", dict(
        README_CONTAINER,
        Config={"Image": "ollama/ollama", "Env": ["OLLAMA_MODELS=/data/models"], "Labels": {}},
        Mounts=[{"Type": "bind", "Source": "/srv/ollama", "Destination": "/data"}]))
    assert dep.data_mount(record)["source"] == "/srv/ollama"
