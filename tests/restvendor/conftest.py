"""Fixtures for the fake REST vendor's tests: a started ``Vendor`` and an authenticated httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fixtures.restvendor import Vendor


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    """A fresh default tenant (seed 1, 300 candidates) on a free loopback port."""
    v = Vendor(seed=1, candidates=300).start()
    try:
        yield v
    finally:
        v.stop()


@pytest.fixture
def client(vendor: Vendor) -> Iterator[httpx.Client]:
    """An httpx client already authenticated against ``vendor``."""
    with httpx.Client(base_url=vendor.base_url, headers=vendor.auth_headers(), timeout=10) as c:
        yield c
