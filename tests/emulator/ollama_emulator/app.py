"""Wire config, store, scheduler, security and handlers into one application."""

from __future__ import annotations

from ollama_emulator.anthropic import AnthropicRoutes
from ollama_emulator.config import Config
from ollama_emulator.handlers import NativeRoutes
from ollama_emulator.openai import OpenAIRoutes
from ollama_emulator.router import Router
from ollama_emulator.scheduler import Scheduler
from ollama_emulator.security import Cors, machine_hostname
from ollama_emulator.store import Store


class Handlers(NativeRoutes, OpenAIRoutes, AnthropicRoutes):
    pass


class App:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.models)
        self.scheduler = Scheduler()
        self.router = Router(config.version)
        self.cors = Cors(config.origins)
        self.hostname = machine_hostname(config.hostname_override)
        self.bound_loopback = True
        self.handlers = Handlers(self)
