"""Environment parsing, following envconfig/config.go of Ollama."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ollama_emulator import DEFAULT_VERSION
from ollama_emulator.netutil import join_host_port, parse_ip, split_host_port

DEFAULT_ORIGIN_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0")
EXTRA_ORIGINS = ("app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*")
FOREVER_SECONDS = (2**63 - 1) / 1e9  # time.Duration(math.MaxInt64)


def var(key: str, environ: dict | None = None) -> str:
    """envconfig.Var: trim spaces, then quotes."""
    env = os.environ if environ is None else environ
    return env.get(key, "").strip().strip("\"'")


@dataclass(frozen=True)
class OllamaHost:
    scheme: str
    host: str
    port: str
    path: str = ""

    @property
    def hostport(self) -> str:
        return join_host_port(self.host, self.port)

    def url(self) -> str:
        suffix = f"/{self.path}" if self.path else ""
        return f"{self.scheme}://{self.hostport}{suffix}"


def _parse_port(port: str) -> int | None:
    """strconv.ParseInt(port, 10, 32) accepting only 0..65535."""
    if not re.fullmatch(r"[+-]?[0-9]+", port or ""):
        return None
    n = int(port)
    if n < 0 or n > 65535:
        return None
    return n


def parse_ollama_host(raw: str) -> OllamaHost:
    """envconfig.Host(): scheme optional, default 127.0.0.1:11434."""
    default_port = "11434"
    s = raw.strip().strip("\"'").strip()
    scheme, sep, hostport = s.partition("://")
    if not sep:
        scheme, hostport = "http", s
        if s == "ollama.com":
            scheme, hostport = "https", "ollama.com:443"
    elif scheme == "http":
        default_port = "80"
    elif scheme == "https":
        default_port = "443"
    hostport, _slash, path = hostport.partition("/")
    try:
        host, port = split_host_port(hostport)
    except ValueError:
        host, port = "127.0.0.1", default_port
        ip = parse_ip(hostport.strip("[]"), allow_zone=False)
        if ip is not None:
            host = str(ip)
        elif hostport != "":
            host = hostport
    if _parse_port(port) is None:
        port = default_port
    return OllamaHost(scheme=scheme, host=host, port=port, path=path)


def connectable_host(h: OllamaHost) -> OllamaHost:
    """envconfig.ConnectableHost(): 0.0.0.0 -> 127.0.0.1, :: -> ::1."""
    ip = parse_ip(h.host, allow_zone=False)
    if ip is not None and ip.is_unspecified:
        return OllamaHost(h.scheme, "127.0.0.1" if ip.version == 4 else "::1", h.port, h.path)
    return h


def allowed_origins(environ: dict | None = None) -> list[str]:
    origins: list[str] = []
    s = var("OLLAMA_ORIGINS", environ)
    if s:
        origins = s.split(",")
    for origin in DEFAULT_ORIGIN_HOSTS:
        origins += [
            f"http://{origin}",
            f"https://{origin}",
            f"http://{join_host_port(origin, '*')}",
            f"https://{join_host_port(origin, '*')}",
        ]
    origins += list(EXTRA_ORIGINS)
    return origins


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_RE = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(s: str) -> float | None:
    """time.ParseDuration, in seconds; None if invalid."""
    if s in ("0", "+0", "-0"):
        return 0.0
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if not s:
        return None
    pos, total = 0, 0.0
    while pos < len(s):
        m = _DURATION_RE.match(s, pos)
        if not m:
            return None
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def keep_alive_seconds(environ: dict | None = None) -> float:
    """envconfig.KeepAlive(): default 5m, negative = forever."""
    ka = 300.0
    s = var("OLLAMA_KEEP_ALIVE", environ)
    if s:
        d = parse_go_duration(s)
        if d is not None:
            ka = d
        elif re.fullmatch(r"[+-]?[0-9]+", s):
            ka = float(int(s))
    return FOREVER_SECONDS if ka < 0 else ka


def models_dir(environ: dict | None = None) -> str:
    s = var("OLLAMA_MODELS", environ)
    if s:
        return s
    return os.path.join(os.path.expanduser("~"), ".ollama", "models")


def _bool(key: str, environ: dict | None, default: bool = False) -> bool:
    s = var(key, environ)
    if not s:
        return default
    low = s.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    return True  # strconv.ParseBool failure counts as true in envconfig.Bool


def format_go_duration(seconds: float) -> str:
    """time.Duration.String() for whole-second and sub-second values."""
    if seconds >= FOREVER_SECONDS:
        return "2562047h47m16.854775807s"
    if seconds == 0:
        return "0s"
    neg = seconds < 0
    seconds = abs(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    out = ""
    if h:
        out += f"{int(h)}h"
    if h or m:
        out += f"{int(m)}m"
    s_txt = f"{s:.9f}".rstrip("0").rstrip(".")
    out += f"{s_txt}s"
    return ("-" if neg else "") + out


@dataclass
class Config:
    host: OllamaHost
    models: str
    origins: list[str]
    keep_alive: float
    noprune: bool
    no_cloud: bool
    version: str
    token_rate: float
    hostname_override: str
    environ: dict = field(default_factory=dict)

    def env_map(self) -> dict[str, str]:
        """The map the real server logs as ``server config env=map[...]``."""
        e = self.environ
        vals = {
            "CUDA_VISIBLE_DEVICES": var("CUDA_VISIBLE_DEVICES", e),
            "GGML_VK_VISIBLE_DEVICES": var("GGML_VK_VISIBLE_DEVICES", e),
            "GPU_DEVICE_ORDINAL": var("GPU_DEVICE_ORDINAL", e),
            "HIP_VISIBLE_DEVICES": var("HIP_VISIBLE_DEVICES", e),
            "HSA_OVERRIDE_GFX_VERSION": var("HSA_OVERRIDE_GFX_VERSION", e),
            "HTTPS_PROXY": var("HTTPS_PROXY", e),
            "HTTP_PROXY": var("HTTP_PROXY", e),
            "NO_PROXY": var("NO_PROXY", e),
            "OLLAMA_CONTEXT_LENGTH": var("OLLAMA_CONTEXT_LENGTH", e) or "0",
            "OLLAMA_DEBUG": "DEBUG" if _bool("OLLAMA_DEBUG", e) else "INFO",
            "OLLAMA_DEBUG_LOG_REQUESTS": str(_bool("OLLAMA_DEBUG_LOG_REQUESTS", e)).lower(),
            "OLLAMA_FLASH_ATTENTION": str(_bool("OLLAMA_FLASH_ATTENTION", e)).lower(),
            "OLLAMA_GPU_OVERHEAD": var("OLLAMA_GPU_OVERHEAD", e) or "0",
            "OLLAMA_HOST": self.host.url(),
            "OLLAMA_KEEP_ALIVE": format_go_duration(self.keep_alive),
            "OLLAMA_KV_CACHE_TYPE": var("OLLAMA_KV_CACHE_TYPE", e),
            "OLLAMA_LLM_LIBRARY": var("OLLAMA_LLM_LIBRARY", e),
            "OLLAMA_LOAD_TIMEOUT": "5m0s",
            "OLLAMA_MAX_LOADED_MODELS": var("OLLAMA_MAX_LOADED_MODELS", e) or "0",
            "OLLAMA_MAX_QUEUE": var("OLLAMA_MAX_QUEUE", e) or "512",
            "OLLAMA_MODELS": self.models,
            "OLLAMA_MULTIUSER_CACHE": str(_bool("OLLAMA_MULTIUSER_CACHE", e)).lower(),
            "OLLAMA_NEW_ENGINE": str(_bool("OLLAMA_NEW_ENGINE", e)).lower(),
            "OLLAMA_NOHISTORY": str(_bool("OLLAMA_NOHISTORY", e)).lower(),
            "OLLAMA_NOPRUNE": str(self.noprune).lower(),
            "OLLAMA_NO_CLOUD": str(self.no_cloud).lower(),
            "OLLAMA_NUM_PARALLEL": var("OLLAMA_NUM_PARALLEL", e) or "1",
            "OLLAMA_ORIGINS": "[" + " ".join(self.origins) + "]",
            "OLLAMA_REMOTES": "[" + " ".join((var("OLLAMA_REMOTES", e) or "ollama.com").split(",")) + "]",
            "OLLAMA_SCHED_SPREAD": str(_bool("OLLAMA_SCHED_SPREAD", e)).lower(),
            "OLLAMA_VULKAN": str(_bool("OLLAMA_VULKAN", e)).lower(),
            "ROCR_VISIBLE_DEVICES": var("ROCR_VISIBLE_DEVICES", e),
            "http_proxy": var("http_proxy", e),
            "https_proxy": var("https_proxy", e),
            "no_proxy": var("no_proxy", e),
        }
        return dict(sorted(vals.items()))


def load(environ: dict | None = None) -> Config:
    env = dict(os.environ if environ is None else environ)
    rate_txt = var("OLLAMA_EMULATOR_TOKEN_RATE", env)
    try:
        rate = float(rate_txt) if rate_txt else 20.0
    except ValueError:
        rate = 20.0
    return Config(
        host=parse_ollama_host(env.get("OLLAMA_HOST", "")),
        models=models_dir(env),
        origins=allowed_origins(env),
        keep_alive=keep_alive_seconds(env),
        noprune=_bool("OLLAMA_NOPRUNE", env),
        no_cloud=_bool("OLLAMA_NO_CLOUD", env),
        version=var("OLLAMA_EMULATOR_VERSION", env) or DEFAULT_VERSION,
        token_rate=max(rate, 0.0),
        hostname_override=var("OLLAMA_EMULATOR_HOSTNAME", env),
        environ=env,
    )
