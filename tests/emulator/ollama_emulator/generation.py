"""Deterministic "model output": tokens echo the prompt's words, paced at a rate."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Iterator

DEFAULT_NUM_PREDICT = 8
MAX_NUM_PREDICT = 4096
EMBED_DIM = 16


def words_of(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9_']+", text.lower()) or ["emu"]


def plan_tokens(prompt: str, options: dict | None) -> tuple[list[str], str]:
    """Tokens to emit and the done_reason: "stop" by default, "length" when num_predict ends it."""
    opts = options or {}
    n = opts.get("num_predict")
    reason = "stop"
    if isinstance(n, (int, float)) and not isinstance(n, bool) and n >= 0:
        count = min(int(n), MAX_NUM_PREDICT)
        reason = "length"
    else:
        count = DEFAULT_NUM_PREDICT
    words = words_of(prompt)
    tokens = [(w if i == 0 else " " + w) for i, w in ((i, words[i % len(words)]) for i in range(count))]
    return tokens, reason


def count_prompt_tokens(text: str) -> int:
    return max(1, len(text.split()))


def token_ids(text: str) -> list[int]:
    return [int(hashlib.sha256(w.encode()).hexdigest()[:6], 16) % 32000 for w in text.split()]


def paced(tokens: list[str], rate: float) -> Iterator[str]:
    """Yield tokens, sleeping 1/rate seconds before each (rate 0 = no pacing)."""
    interval = 1.0 / rate if rate > 0 else 0.0
    for tok in tokens:
        if interval:
            time.sleep(interval)
        yield tok


def embedding(text: str, dim: int = EMBED_DIM) -> list[float]:
    """A deterministic unit vector derived from sha256 of the text."""
    raw = hashlib.sha256(text.encode("utf-8")).digest()
    while len(raw) < dim:
        raw += hashlib.sha256(raw).digest()
    vec = [(b - 127.5) / 127.5 for b in raw[:dim]]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [round(v / norm, 7) for v in vec]


class Timer:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.loaded = self.start
        self.first_token = None
        self.end = None

    def mark_loaded(self) -> None:
        self.loaded = time.monotonic()

    def metrics(self, prompt_tokens: int, eval_tokens: int) -> dict:
        end = time.monotonic()
        load = self.loaded - self.start
        eval_d = max(end - self.loaded, 1e-6)
        prompt_d = min(eval_d / 10, 0.001)
        return {
            "total_duration": int((end - self.start) * 1e9),
            "load_duration": int(load * 1e9),
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": int(prompt_d * 1e9),
            "eval_count": eval_tokens,
            "eval_duration": int((eval_d - prompt_d) * 1e9),
        }
