"""Fixtures of the drift tests (the control plane itself comes from tests/conftest.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client

from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester


@pytest.fixture(name="unavailable_group")
def unavailable_group_fixture(admin_api: client.ApiClient) -> Iterator[str]:
    """An aggregated API group whose backing Service does not exist: registered, never answering."""
    requester = Requester(admin_api)
    group = f"gone-{uuid.uuid4().hex[:8]}.example.com"
    path = "/apis/apiregistration.k8s.io/v1/apiservices"
    body = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": f"v1.{group}"},
            "spec": {"group": group, "version": "v1", "groupPriorityMinimum": 1000, "versionPriority": 15,
                     "service": {"namespace": "default", "name": "nothing", "port": 443},
                     "insecureSkipTLSVerify": True}}
    assert requester.request("POST", path, content_type="application/json", body=body).ok
    deadline = time.monotonic() + 10
    while group not in discover(requester).failed_groups:
        assert time.monotonic() < deadline, "the APIService never showed as unavailable"
        time.sleep(0.1)
    yield group
    requester.request("DELETE", f"{path}/v1.{group}")
