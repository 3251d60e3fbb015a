"""Which models are "loaded" (for /api/ps), with keep_alive expiry."""

from __future__ import annotations

import threading
import time

from ollama_emulator.config import FOREVER_SECONDS, parse_go_duration


class KeepAliveError(ValueError):
    pass


def parse_keep_alive(value, default: float) -> float:
    """api.Duration.UnmarshalJSON: number = seconds, string = Go duration; negative = forever."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise KeepAliveError("json: cannot unmarshal bool into Go value of type float64")
    if isinstance(value, (int, float)):
        secs = float(value)
    elif isinstance(value, str):
        d = parse_go_duration(value)
        if d is None:
            raise KeepAliveError(f'time: invalid duration "{value}"')
        secs = d
    else:
        raise KeepAliveError("Unsupported type: '" + type(value).__name__ + "'")
    return FOREVER_SECONDS if secs < 0 else secs


class Scheduler:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[str, dict] = {}

    def touch(self, key: str, info: dict, keep_alive: float) -> None:
        with self._lock:
            if keep_alive == 0:
                self._loaded.pop(key, None)
                return
            expires = time.time() + min(keep_alive, FOREVER_SECONDS)
            self._loaded[key] = {**info, "expires": expires}

    def unload(self, key: str) -> None:
        with self._lock:
            self._loaded.pop(key, None)

    def loaded(self) -> list[dict]:
        now = time.time()
        with self._lock:
            for key in [k for k, v in self._loaded.items() if v["expires"] <= now]:
                del self._loaded[key]
            items = list(self._loaded.values())
        return sorted(items, key=lambda v: -v["expires"])
