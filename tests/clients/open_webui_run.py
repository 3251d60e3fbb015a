"""Start Open WebUI (`open-webui serve`) with the lab's proxy names pinned to their addresses.

The lab's proxies are podman containers named proxy-target and proxy-any; this machine does not
resolve those names, and the proxies refuse any other name (server_name, SNI), so the URL must
carry the name. Rather than edit /etc/hosts (shared by everything on this machine), the names
given as NAME=ADDRESS arguments are pinned in socket.getaddrinfo for this process only, before
Open WebUI is imported. Every resolver in the process must then go through socket.getaddrinfo:
- aiohttp picks aiodns when installed (Open WebUI installs it), which asks DNS itself: the
  threaded resolver is set instead (it calls the event loop's getaddrinfo);
- uvicorn picks uvloop when installed, whose getaddrinfo is libuv's, not Python's: the asyncio
  loop is used instead (its getaddrinfo calls socket.getaddrinfo in a thread).
requests (Open WebUI's synchronous calls) calls socket.getaddrinfo directly.

Usage: open_webui_run.py PORT NAME=ADDRESS [NAME=ADDRESS ...]
"""

import socket
import sys

port = int(sys.argv[1])
pinned = dict(arg.split("=", 1) for arg in sys.argv[2:])
_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    return _getaddrinfo(pinned.get(host, host), *args, **kwargs)


socket.getaddrinfo = getaddrinfo

import aiohttp.connector  # noqa: E402  (after the pin: the resolver must use it)
import aiohttp.resolver  # noqa: E402
import uvicorn  # noqa: E402

aiohttp.connector.DefaultResolver = aiohttp.resolver.ThreadedResolver
_uvicorn_run = uvicorn.run


def run_on_asyncio_loop(*args, **kwargs):
    kwargs["loop"] = "asyncio"
    return _uvicorn_run(*args, **kwargs)


uvicorn.run = run_on_asyncio_loop  # open_webui.serve calls uvicorn.run(..., loop="auto")

from open_webui import serve  # noqa: E402

serve(host="127.0.0.1", port=port)
