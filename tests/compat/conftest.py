"""Fixtures of the 4.2.1 compatibility suite.

``rsps`` intercepts every HTTP request with ``responses`` (the token endpoint
answers; anything unregistered fails), ``mdc`` is a client built with 4.2.1's
positional constructor arguments on top of it.
"""

from __future__ import annotations

import pytest
import responses

from compat_helpers import TOKEN_URL, new_client


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URL,
                 json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 7200})
        yield mock


@pytest.fixture
def mdc(rsps):
    client = new_client()
    yield client
    client.close()
