"""Entry point for ``python -m ollama_emulator`` and for the zipapp."""

import sys

from ollama_emulator.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
