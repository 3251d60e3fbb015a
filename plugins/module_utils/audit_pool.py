# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bounded worker pool that streams results.

At most ``workers`` targets are audited at once and at most ``2 * workers`` are queued, so
memory does not grow with the number of targets; results are yielded as they complete, so a
slow target holds up only its own worker. Each task has its own deadline (see audit_probe.Deadline),
which is what bounds a blackholed target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import concurrent.futures
import traceback


def run_bounded(items, task, workers, on_error=None):
    """Yield ``(index, result)`` for each item as ``task(item)`` completes.

    ``on_error(item, exc, text)`` turns an unexpected exception into a result (a bug in one
    target's audit must not lose the others); without it the exception propagates.
    """
    workers = max(1, int(workers))
    iterator = iter(enumerate(items))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix='ollama-audit') as pool:
        pending = {}

        def fill():
            while len(pending) < 2 * workers:
                try:
                    index, item = next(iterator)
                except StopIteration:
                    return
                pending[pool.submit(task, item)] = (index, item)

        fill()
        while pending:
            done, _rest = concurrent.futures.wait(list(pending), return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                index, item = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:
                    if on_error is None:
                        raise
                    result = on_error(item, exc, traceback.format_exc())
                yield index, result
            fill()
