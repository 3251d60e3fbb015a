"""The on-disk model store in Ollama's layout (manifests/ + blobs/)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading

from ollama_emulator import names
from ollama_emulator.names import Name

DIGEST_RE = re.compile(r"^sha256[:-][0-9a-fA-F]{64}$")
BLOB_FILE_RE = re.compile(r"^sha256-[0-9a-fA-F]{64}$")
MANIFEST_MEDIA = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA = "application/vnd.docker.container.image.v1+json"
LAYER_MEDIA = "application/vnd.ollama.image."


class InvalidDigest(ValueError):
    def __init__(self) -> None:
        super().__init__("invalid digest format")


class ModelNotFound(FileNotFoundError):
    pass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Manifest:
    def __init__(self, name: Name, path: str, data: bytes) -> None:
        self.name = name
        self.path = path
        self.data = data
        self.obj = json.loads(data)
        self.digest = sha256_hex(data)
        self.mtime = os.stat(path).st_mtime

    @property
    def layers(self) -> list[dict]:
        return list(self.obj.get("layers") or [])

    @property
    def config_layer(self) -> dict:
        return self.obj.get("config") or {}

    def all_layers(self) -> list[dict]:
        return [*self.layers, self.config_layer]

    def referenced(self) -> list[str]:
        out: list[str] = []
        for layer in self.all_layers():
            d = (layer.get("digest") or "").lower().replace("-", ":", 1)
            if d and d not in out:
                out.append(d)
        return out

    def total_size(self) -> int:
        seen: set[str] = set()
        size = 0
        for layer in self.all_layers():
            d = layer.get("digest") or ""
            if d and d not in seen:
                seen.add(d)
                size += int(layer.get("size") or 0)
        return size

    def layer(self, kind: str) -> dict | None:
        for layer in self.layers:
            if layer.get("mediaType") == LAYER_MEDIA + kind:
                return layer
        return None


class Store:
    def __init__(self, root: str) -> None:
        self.root = root
        self.lock = threading.RLock()

    @property
    def manifests_dir(self) -> str:
        return os.path.join(self.root, "manifests")

    @property
    def blobs_dir(self) -> str:
        return os.path.join(self.root, "blobs")

    def ensure(self) -> None:
        os.makedirs(self.manifests_dir, exist_ok=True)
        os.makedirs(self.blobs_dir, exist_ok=True)

    # blobs -------------------------------------------------------------
    def blob_path(self, digest: str) -> str:
        """manifest.BlobsPath: only sha256[:-]<64 hex> is accepted."""
        if not DIGEST_RE.match(digest):
            raise InvalidDigest()
        return os.path.join(self.blobs_dir, digest.replace(":", "-"))

    def has_blob(self, digest: str) -> bool:
        return os.path.exists(self.blob_path(digest))

    def read_blob(self, digest: str) -> bytes:
        with open(self.blob_path(digest), "rb") as fh:
            return fh.read()

    def write_blob(self, data: bytes) -> str:
        digest = "sha256:" + sha256_hex(data)
        path = self.blob_path(digest)
        if not os.path.exists(path):
            self._atomic_write(path, data)
        return digest

    def _atomic_write(self, path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)

    # manifests ---------------------------------------------------------
    def manifests(self) -> dict[Name, Manifest]:
        out: dict[Name, Manifest] = {}
        base = self.manifests_dir
        if not os.path.isdir(base):
            return out
        for dirpath, _dirs, files in os.walk(base):
            rel = os.path.relpath(dirpath, base)
            parts = rel.split(os.sep)
            if len(parts) != 3:
                continue
            for tag in files:
                if tag.startswith("."):
                    continue
                name = Name(parts[0], parts[1], parts[2], tag)
                if not name.is_valid():
                    continue
                path = os.path.join(dirpath, tag)
                try:
                    with open(path, "rb") as fh:
                        out[name] = Manifest(name, path, fh.read())
                except (OSError, ValueError):
                    continue
        return out

    def canonical(self, name: Name) -> Name:
        """getExistingName: reuse the case of parts that already exist."""
        host, ns, model, tag = name.host, name.namespace, name.model, name.tag
        for e in self.manifests():
            host = e.host if e.host.lower() == host.lower() else host
            ns = e.namespace if e.namespace.lower() == ns.lower() else ns
            model = e.model if e.model.lower() == model.lower() else model
            tag = e.tag if e.tag.lower() == tag.lower() else tag
        return Name(host, ns, model, tag)

    def get(self, name: Name) -> Manifest:
        if not name.is_valid():
            raise ModelNotFound(name.full())
        path = os.path.join(self.manifests_dir, name.filepath())
        try:
            with open(path, "rb") as fh:
                return Manifest(name, path, fh.read())
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            for other, m in self.manifests().items():
                if other.key() == name.key():
                    return m
            raise ModelNotFound(name.full()) from None

    def manifest_path(self, name: Name) -> str:
        return os.path.join(self.manifests_dir, name.filepath())

    def config(self, m: Manifest) -> dict:
        digest = m.config_layer.get("digest")
        if not digest:
            return {}
        try:
            return json.loads(self.read_blob(digest))
        except (OSError, ValueError):
            return {}

    def layer_text(self, m: Manifest, kind: str) -> str:
        layer = m.layer(kind)
        if not layer:
            return ""
        try:
            return self.read_blob(layer["digest"]).decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return ""

    def params(self, m: Manifest) -> dict:
        text = self.layer_text(m, "params")
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return {}

    # mutations ---------------------------------------------------------
    def write_manifest(self, name: Name, obj: dict) -> Manifest:
        data = json.dumps(obj, separators=(",", ":")).encode()
        path = self.manifest_path(name)
        with self.lock:
            self._atomic_write(path, data)
        return self.get(name)

    def delete(self, name: Name) -> None:
        """manifest.RemoveNamed: remove the manifest, then blobs no one else uses."""
        with self.lock:
            m = self.get(name)
            candidates = m.referenced()
            os.remove(m.path)
            self._prune_dirs(self.manifests_dir)
            self.remove_unreferenced(candidates)

    def copy(self, src: Name, dst: Name) -> None:
        with self.lock:
            m = self.get(src)
            if src.filepath() == dst.filepath():
                return
            self._atomic_write(self.manifest_path(dst), m.data)

    def retained(self) -> set[str]:
        keep: set[str] = set()
        for m in self.manifests().values():
            keep.update(m.referenced())
        return keep

    def remove_unreferenced(self, candidates: list[str]) -> int:
        keep = self.retained()
        removed = 0
        for digest in candidates:
            if digest in keep:
                continue
            try:
                os.remove(self.blob_path(digest))
                removed += 1
            except (FileNotFoundError, InvalidDigest):
                continue
        return removed

    def fix_blobs(self) -> None:
        """fixBlobs: rename legacy sha256:<hex> files to sha256-<hex>."""
        if not os.path.isdir(self.blobs_dir):
            return
        for entry in os.listdir(self.blobs_dir):
            if ":" in entry:
                os.replace(os.path.join(self.blobs_dir, entry), os.path.join(self.blobs_dir, entry.replace(":", "-")))

    def prune(self) -> int:
        """PruneLayers at start: delete blobs no manifest references."""
        with self.lock:
            keep = {d.replace(":", "-") for d in self.retained()}
            removed = 0
            for entry in sorted(os.listdir(self.blobs_dir)):
                if BLOB_FILE_RE.match(entry) and entry.lower() not in keep:
                    os.remove(os.path.join(self.blobs_dir, entry))
                    removed += 1
            self._prune_dirs(self.manifests_dir)
            return removed

    def _prune_dirs(self, top: str) -> None:
        for dirpath, _dirs, _files in os.walk(top, topdown=False):
            if dirpath != top and not os.listdir(dirpath):
                os.rmdir(dirpath)

    def create_from(self, dst: Name, src: Manifest, overrides: dict[str, bytes]) -> tuple[Manifest, list[str]]:
        """Build a new manifest from src, replacing layers of the given kinds."""
        statuses: list[str] = []
        layers: list[dict] = []
        replaced = set(overrides)
        for layer in src.layers:
            kind = (layer.get("mediaType") or "").removeprefix(LAYER_MEDIA)
            if kind in replaced:
                continue
            statuses.append(f"using existing layer {layer['digest']}")
            layers.append(layer)
        for kind, data in overrides.items():
            digest = self.write_blob(data)
            statuses.append(f"creating new layer {digest}")
            layers.append({"mediaType": LAYER_MEDIA + kind, "digest": digest, "size": len(data)})
        statuses.append(f"using existing layer {src.config_layer.get('digest')}")
        obj = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA,
            "config": src.config_layer,
            "layers": layers,
        }
        return self.write_manifest(dst, obj), statuses


def parse_name(raw: str) -> Name:
    return names.parse(raw)
