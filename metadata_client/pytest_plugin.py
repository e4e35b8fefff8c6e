"""pytest fixtures for code that talks to myMdC.

Installed with the package (entry point ``pytest11``), so any project that
installs ``metadata_client[emulator]`` gets:

* ``mymdc_server`` (session): a local myMdC emulator with the ``test`` seed,
  on a free loopback port, or a real deployment when ``MYMDC_URL``,
  ``MYMDC_CLIENT_ID``, ``MYMDC_CLIENT_SECRET`` and ``MYMDC_USER_EMAIL`` are set
  (``MYMDC_TOKEN_URL``, ``MYMDC_API_URL`` and ``MYMDC_SSL_VERIFY`` optional);
* ``mymdc_client``: a ``MetadataClient`` for it; against the emulator the
  store is reset to the seed before each test;
* ``mymdc_control``: the emulator's control plane (faults, token expiry,
  request log); tests that use it are skipped against a real deployment.

Nothing heavy is imported until a fixture is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from metadata_client import MetadataClient

ENV = ("MYMDC_URL", "MYMDC_CLIENT_ID", "MYMDC_CLIENT_SECRET", "MYMDC_USER_EMAIL")


@dataclass
class MyMdC:
    """Where a myMdC is and how to log in; ``control`` is None for a real one."""

    url: str
    token_url: str
    api_url: str
    client_id: str
    client_secret: str
    user_email: str
    ssl_verify: bool | str = True
    control: Any = None
    store: Any = None

    def __repr__(self) -> str:  # the secret stays out of test reports
        return f"MyMdC(url={self.url!r}, client_id={self.client_id!r}, emulated={self.emulated})"

    @property
    def emulated(self) -> bool:
        return self.control is not None

    def client(self, **options: Any) -> "MetadataClient":
        """A new ``MetadataClient`` for this myMdC; ``options`` go to the constructor."""
        from metadata_client import MetadataClient

        return MetadataClient(
            self.client_id, self.client_secret, self.token_url, self.token_url,
            self.url + "/oauth/authorize", "", self.user_email, self.api_url,
            ssl_verify=options.pop("ssl_verify", self.ssl_verify), **options,
        )


def _ssl_verify(value: str | None) -> bool | str:
    if value is None or value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    return value  # a CA bundle path


def deployment_from_env() -> MyMdC | None:
    """The real myMdC named by the ``MYMDC_*`` environment variables, if all are set."""
    if not all(os.environ.get(name) for name in ENV):
        return None
    url = os.environ["MYMDC_URL"].rstrip("/")
    return MyMdC(
        url=url,
        token_url=os.environ.get("MYMDC_TOKEN_URL", url + "/oauth/token"),
        api_url=os.environ.get("MYMDC_API_URL", url + "/api/"),
        client_id=os.environ["MYMDC_CLIENT_ID"],
        client_secret=os.environ["MYMDC_CLIENT_SECRET"],
        user_email=os.environ["MYMDC_USER_EMAIL"],
        ssl_verify=_ssl_verify(os.environ.get("MYMDC_SSL_VERIFY")),
    )


@pytest.fixture(scope="session")
def mymdc_server() -> Iterator[MyMdC]:
    """A running myMdC: the emulator (``test`` seed) or the deployment in the environment."""
    real = deployment_from_env()
    if real is not None:
        yield real
        return
    from metadata_client.emulator import EmulatorServer

    server = EmulatorServer(seed="test", control=True).start()
    try:
        yield MyMdC(server.url, server.token_url, server.api_url, server.client_id,
                    server.client_secret, server.user_email, control=server.control,
                    store=server.store)
    finally:
        server.stop()


@pytest.fixture
def mymdc_client(mymdc_server: MyMdC) -> Iterator["MetadataClient"]:
    """A ``MetadataClient`` for ``mymdc_server``; the emulator is reset to its seed first."""
    if mymdc_server.control is not None:
        mymdc_server.control.reset()
    client = mymdc_server.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def mymdc_control(mymdc_server: MyMdC) -> Any:
    """The emulator's control plane; skips the test against a real deployment."""
    if mymdc_server.control is None:
        pytest.skip("needs the emulator's control plane (MYMDC_URL points at a real myMdC)")
    return mymdc_server.control
