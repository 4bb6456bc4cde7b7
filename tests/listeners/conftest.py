"""Recorded HTTP for the listeners: every request must match a recorded answer."""

from __future__ import annotations

import pytest
import responses


@pytest.fixture
def http():
    """``responses`` with no network: unknown URLs fail, unused recordings fail too."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        unmatched = [c.request.url for c in mock.calls if isinstance(c.response, Exception)]
        assert not unmatched, f"requests with no recorded answer: {unmatched}"
