"""Fixtures of the firewall scenario: the management host (also the allowed client) and the stranger."""

import pytest
from lab_hosts import Outsider

pytest_plugins = ["lab_hosts"]


@pytest.fixture(scope="session")
def client():
    return Outsider("firewall-client")


@pytest.fixture(scope="session")
def stranger():
    return Outsider("firewall-stranger")
