"""A test CA (``trustme``) and a loopback server certificate, and the ways a client trusts it.

One CA per test process: :func:`material` makes it on first use and writes the CA
certificate to a PEM file (removed at exit). Clients trust the fake either with
:meth:`TlsMaterial.client_context` (an ``ssl.SSLContext`` for ``httpx.Client(verify=...)``,
also usable as msal's ``http_client``) or with :attr:`TlsMaterial.ca_path` (a CA bundle path).

Beware: ``requests`` (msal's default HTTP client) lets ``REQUESTS_CA_BUNDLE`` /
``CURL_CA_BUNDLE`` from the environment win over ``Session.verify``, so
``msal.ConfidentialClientApplication(..., verify=ca_path)`` fails wherever those are set
(they are on this machine). Pass ``http_client=httpx.Client(verify=ctx)`` instead.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme

HOST = "127.0.0.1"


@dataclass(frozen=True)
class TlsMaterial:
    """The CA and the server certificate (for ``127.0.0.1`` and ``localhost``)."""

    ca: trustme.CA
    server_cert: trustme.LeafCert
    ca_path: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the loopback certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA only (hostname checks stay on)."""
        return ssl.create_default_context(cafile=str(self.ca_path))


@functools.cache
def material() -> TlsMaterial:
    """The process-wide test CA, its server certificate and the CA bundle file."""
    ca = trustme.CA(organization_name="meetingd fake Graph test CA")
    cert = ca.issue_cert(HOST, "localhost")
    folder = Path(tempfile.mkdtemp(prefix="fake-graph-ca-"))
    atexit.register(shutil.rmtree, folder, True)
    ca_path = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return TlsMaterial(ca=ca, server_cert=cert, ca_path=ca_path)
