"""After harden.yml on both starting points: one locked-down Ollama container, reached only through the proxy.

Every test runs on each target: podman hosts (kind target-podman) and the Docker host (kind target-docker),
each inspected with its own engine.
"""

import hashlib
import json
import shlex
import tarfile
from pathlib import Path

import pytest
import yaml
from lab_hosts import fixture_manifests, host, hosts_in_group, hosts_of_kind

LAB = yaml.safe_load((Path(__file__).resolve().parents[1] / "group_vars" / "all.yml").read_text())
ENGINES = {"target-podman": "podman", "target-docker": "docker"}
TARGETS = [name for kind in ENGINES for name in hosts_of_kind(kind)]


def fixture_digests():
    """name -> digest as /api/tags shows it: the sha256 of each manifest file (reference/ollama.md)."""
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in fixture_manifests().items()}


@pytest.fixture(scope="module", params=TARGETS)
def name(request):
    return request.param


@pytest.fixture(scope="module")
def node(name):
    return host(name)


@pytest.fixture(scope="module")
def engine(name):
    return next(engine for kind, engine in ENGINES.items() if name in hosts_of_kind(kind))


@pytest.fixture(scope="module")
def running(node, engine):
    """inspect of every running container on the target."""
    ids = node.check_output(f"{engine} ps -q --no-trunc").split()
    assert ids, "no container runs"
    return json.loads(node.check_output(f"{engine} inspect " + " ".join(ids)))


@pytest.fixture(scope="module")
def ollama(running):
    mine = [c for c in running if c["Config"]["Labels"].get("aisec.ollama.slot")]
    assert len(mine) == 1, [c["Name"] for c in running]
    return mine[0]


def test_exactly_one_ollama_container_runs(running, ollama):
    assert [c["Name"] for c in running] == [ollama["Name"]]
    assert ollama["Name"].lstrip("/") in ("aisec-ollama-a", "aisec-ollama-b")  # docker: "/name"


def test_container_is_locked_down(ollama, node, engine):
    host_config, config = ollama["HostConfig"], ollama["Config"]
    assert host_config["ReadonlyRootfs"] is True
    if engine == "podman":
        assert ollama["EffectiveCaps"] in (None, [])
    else:
        assert [c.upper() for c in host_config["CapDrop"] or []] == ["ALL"], host_config["CapDrop"]
    assert not host_config["CapAdd"], host_config["CapAdd"]
    # What the kernel gives its main process (docker inspect shows no effective set; podman does).
    status = node.file(f"/proc/{ollama['State']['Pid']}/status").content_string
    caps = {k: int(v, 16) for k, v in (line.split(":\t") for line in status.splitlines() if line.startswith("Cap"))}
    assert caps["CapEff"] == caps["CapPrm"] == caps["CapBnd"] == 0, caps
    assert "NoNewPrivs:\t1" in status
    assert "no-new-privileges" in " ".join(host_config["SecurityOpt"] or [])
    uid = config["User"].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, config["User"]
    assert host_config["PidsLimit"] == 2048
    assert host_config["Memory"] == 512 * 1024 * 1024
    assert host_config["NanoCpus"] == 1_000_000_000
    assert config["Healthcheck"]["Test"][-1] == "ollama list"
    tmpfs = host_config.get("Tmpfs") or {}
    assert set(tmpfs) == {"/tmp"}, tmpfs


def test_published_on_loopback_only(ollama):
    bindings = [b for binds in ollama["HostConfig"]["PortBindings"].values() for b in binds]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings), bindings


def lab_image_ids():
    """Image IDs of the lab's releases: the config digest each saved archive's manifest names."""
    images = Path(__file__).resolve().parents[3] / ".cache" / "images"
    ids = {}
    for release in ("ollama-emulator", "ollama-emulator-next"):
        archive = images / f"{release}.tar"
        if archive.exists():
            with tarfile.open(archive) as tar:
                manifest = json.load(tar.extractfile("manifest.json"))
            ids[release] = manifest[0]["Config"].removesuffix(".json")
    return ids


def test_runs_a_pinned_lab_image_by_id(ollama):
    # The container runs from the image ID (a tag moved later changes nothing).
    assert ollama["Image"].removeprefix("sha256:") in lab_image_ids().values()


def test_models_owned_by_the_container_user(ollama, node):
    data = next(m for m in ollama["Mounts"] if m["Destination"] == "/home/ollama/.ollama")
    uid = int(ollama["Config"]["User"].split(":")[0])
    for path in ("", "/models", "/models/blobs", "/models/manifests"):
        assert node.file(data["Source"] + path).uid == uid, path


def test_container_cannot_open_connections(ollama, node, name):
    """From inside its network namespace: dropped (timeout); from the host's: refused (reachable)."""
    client = hosts_of_kind("client")[0]
    client_ip = host(client).check_output("hostname -I").split()[0]
    probe = ("import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)\n print('open')\n"
             "except socket.timeout:\n print('timeout')\nexcept OSError as e:\n print(type(e).__name__)\n")
    pid = ollama["State"]["Pid"]
    gateway = ollama["NetworkSettings"]["Networks"]["aisec-ollama"]["Gateway"]
    inside = f"nsenter --net=/proc/{pid}/ns/net python3 -c {shlex.quote(probe)}"
    outside = f"python3 -c {shlex.quote(probe)}"
    assert node.check_output(f"{outside} {client_ip} 9") == "ConnectionRefusedError"
    assert node.check_output(f"{inside} {client_ip} 9") == "timeout"
    assert node.check_output(f"{inside} {gateway} 22") == "timeout"
    assert node.check_output(f"{inside} 1.1.1.1 443") == "timeout"


def test_outsider_reaches_neither_slot_port(outsider, name):
    for port in (11434, 11435):
        assert outsider.host.run(f"curl -sS --max-time 5 http://{name}:{port}/").rc != 0, port


def test_same_models_with_same_digests_through_the_proxy(outsider, name):
    result = outsider.host.run(
        f"curl -sS --max-time 10 --cacert /usr/local/share/aisec-proxy-ca-{name}.crt "
        f"-u lab-container-user:{LAB['ctr_lab_password']} https://{name}/api/tags")
    served = {m["name"]: m["digest"] for m in json.loads(result.stdout)["models"]}
    assert served == fixture_digests()


def test_old_deployment_is_gone_or_disabled(node, name, engine):
    if name in hosts_in_group("ollama_native"):
        assert node.service("ollama").is_enabled is False
        assert node.service("ollama").is_running is False
    elif engine == "podman":
        assert node.run("podman container exists ollama").rc == 1
        assert node.run("podman volume exists ollama").rc == 0  # the user's models stay
    else:
        # docker: stopped and kept from coming back (its definition stays, as with docker's own tools)
        state = node.check_output(
            "docker inspect --format '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' ollama")
        assert state == "false no", state
        assert node.run("docker volume inspect ollama").rc == 0  # the user's models stay
