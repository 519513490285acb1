"""A throwaway PKI for HTTPS on loopback: a CA, a server certificate, optionally a client one.

    pki = LoopbackPki(tmp_path)                     # writes ca.pem, server.pem, server.key, ...
    context = pki.server_context(require_client_cert=True)
    other = LoopbackPki.untrusted(tmp_path)         # an unrelated CA, for "untrusted" tests

Certificates are made by trustme (ECDSA keys, quick to generate). Nothing here is a secret:
the files live in a test's temporary folder and die with it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

SERVER_NAMES = ("127.0.0.1", "localhost")
CLIENT_NAME = "station.client.test"


@dataclass(frozen=True)
class PemFiles:
    """Where the PEM files of one PKI were written."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path | None
    client_key: Path | None


class LoopbackPki:
    """A CA with a server certificate for 127.0.0.1 and localhost, written as PEM files.

    `directory` is created when missing. With `client_cert`, a client certificate signed by
    the same CA is written too (for servers that require one).
    """

    def __init__(self, directory: Path | str, *, client_cert: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA(organization_name="Province receiver test CA")
        self.server = self.ca.issue_cert(*SERVER_NAMES)
        self.client = self.ca.issue_cert(CLIENT_NAME) if client_cert else None
        self.files = self._write()

    @classmethod
    def untrusted(cls, directory: Path | str, *, client_cert: bool = True) -> LoopbackPki:
        """A second, unrelated PKI in `directory`/untrusted: nobody trusts its CA."""
        return cls(Path(directory) / "untrusted", client_cert=client_cert)

    @property
    def ca_file(self) -> Path:
        return self.files.ca

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A server context (TLS 1.2 or newer) presenting the server certificate.

        With `require_client_cert`, the handshake fails for a client without a certificate
        signed by this PKI's CA.
        """
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.files.server_cert, self.files.server_key)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=self.files.ca)
        return context

    def client_context(self, *, send_client_cert: bool = False) -> ssl.SSLContext:
        """A client context trusting this CA only; optionally presenting the client certificate."""
        context = ssl.create_default_context(cafile=str(self.files.ca))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if send_client_cert:
            if self.files.client_cert is None or self.files.client_key is None:
                raise ValueError("this PKI was made without a client certificate")
            context.load_cert_chain(self.files.client_cert, self.files.client_key)
        return context

    def _write(self) -> PemFiles:
        ca = self.directory / "ca.pem"
        self.ca.cert_pem.write_to_path(str(ca))
        server_cert = self.directory / "server.pem"
        server_key = self.directory / "server.key"
        _write_chain(self.server, server_cert)
        self.server.private_key_pem.write_to_path(str(server_key))
        if self.client is None:
            return PemFiles(ca, server_cert, server_key, None, None)
        client_cert = self.directory / "client.pem"
        client_key = self.directory / "client.key"
        _write_chain(self.client, client_cert)
        self.client.private_key_pem.write_to_path(str(client_key))
        return PemFiles(ca, server_cert, server_key, client_cert, client_key)


def _write_chain(leaf: trustme.LeafCert, path: Path) -> None:
    # The leaf first, then any intermediates: the order ssl.load_cert_chain expects.
    path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
