# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounded worker pool: parallel, bounded queue, streaming, errors kept per item."""

import threading
import time

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import audit_pool


def _sleep_and_return(delay):
    time.sleep(delay)
    return delay


def test_slow_items_run_in_parallel_and_results_stream_as_they_complete():
    delays = [0.6, 0.05, 0.05, 0.05]
    started = time.monotonic()
    order = [index for index, _result in audit_pool.run_bounded(delays, _sleep_and_return, workers=4)]
    assert time.monotonic() - started < 1.0
    assert order[-1] == 0  # the slow one does not hold up the others


def test_at_most_twice_the_workers_are_queued():
    consumed = []
    running = []
    peak = [0]
    lock = threading.Lock()

    def items():
        for i in range(100):
            consumed.append(i)
            yield i

    def task(i):
        with lock:
            running.append(i)
            peak[0] = max(peak[0], len(running))
        time.sleep(0.01)
        with lock:
            running.remove(i)
        return i

    seen = 0
    for _index, _result in audit_pool.run_bounded(items(), task, workers=4):
        seen += 1
        assert len(consumed) - seen <= 8
    assert seen == 100 and peak[0] <= 4


def test_an_exception_becomes_that_items_result():
    def task(i):
        if i == 2:
            raise RuntimeError('boom')
        return i

    results = dict(audit_pool.run_bounded(range(4), task, 2, on_error=lambda item, exc, text: f'error {exc}'))
    assert results == {0: 0, 1: 1, 2: 'error boom', 3: 3}
    with pytest.raises(RuntimeError):
        list(audit_pool.run_bounded(range(4), task, 2))
