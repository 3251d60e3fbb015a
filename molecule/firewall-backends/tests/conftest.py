"""Fixtures of the firewall-backends scenario: the allowed client (also the management host) and the stranger."""

import pytest
from lab_hosts import Outsider, host

pytest_plugins = ["lab_hosts"]


@pytest.fixture(scope="session")
def client():
    return Outsider("fb-client")


@pytest.fixture(scope="session")
def stranger():
    return Outsider("fb-stranger")


@pytest.fixture(scope="session")
def ufw_host():
    return host("fb-ufw")


@pytest.fixture(scope="session")
def firewalld_host():
    return host("fb-firewalld")
