"""A stdlib-only emulator of the Ollama HTTP server, for tests of aisec.ollama.

Each module has one job: ``config`` (environment), ``goformat`` (Go/gin wire
formats), ``jsonbody`` (request decoding with Go's error texts), ``netutil``
(addresses), ``security`` (Host check and CORS), ``names`` (model names),
``store`` (the on-disk model store), ``scheduler`` (loaded models for /api/ps),
``generation`` (deterministic tokens and timing), ``registry`` (offline
pull/push), ``handlers`` (native /api routes), ``openai`` and ``anthropic``
(compatibility routes), ``router`` (route table), ``server`` (HTTP plumbing),
``logs`` (slog-like lines) and ``cli`` (the ``ollama`` command).
"""

DEFAULT_VERSION = "0.32.15"
