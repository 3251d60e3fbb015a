"""The monitoring lab's clients, shared by both targets' tests (each test file names its target)."""

import pytest
from lab_hosts import host

pytest_plugins = ["lab_hosts"]


@pytest.fixture(scope="module")
def client():
    return host("monitoring-client")


@pytest.fixture(scope="module")
def client2():
    return host("monitoring-client2")


@pytest.fixture(scope="module")
def collector():
    return host("monitoring-collector")
