"""Certificates and keys of a local control plane, generated fresh for every `up`.

Everything talks TLS with client certificates, even on loopback: an open etcd or a plaintext apiserver port
would let any local user bypass RBAC. Keys are ECDSA P-256 (fast to generate; etcd, kube-apiserver and the
service-account token signer all accept them) and are written with mode 0600.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=365)
CLOCK_SKEW = datetime.timedelta(hours=1)
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
SERVICE_IP = ipaddress.IPv4Address("10.0.0.1")  # first address of the apiserver's --service-cluster-ip-range
APISERVER_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                   "kubernetes.default.svc.cluster.local")

ADMIN_USER = "platformctl-admin"
ADMIN_GROUP = "system:masters"  # bypasses authorization: the bootstrap identity that sets up RBAC
READONLY_USER = "platformctl-readonly"


@dataclass(frozen=True)
class Pair:
    """A certificate and its key, as files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    """The files `generate` writes into one directory."""

    directory: Path

    def pair(self, name: str) -> Pair:
        return Pair(self.directory / f"{name}.crt", self.directory / f"{name}.key")

    @property
    def ca(self) -> Pair:
        return self.pair("ca")

    @property
    def etcd(self) -> Pair:
        """etcd's serving and peer certificate."""
        return self.pair("etcd")

    @property
    def etcd_client(self) -> Pair:
        """kube-apiserver's client certificate towards etcd."""
        return self.pair("apiserver-etcd-client")

    @property
    def apiserver(self) -> Pair:
        return self.pair("apiserver")

    @property
    def admin(self) -> Pair:
        return self.pair("admin")

    @property
    def readonly(self) -> Pair:
        return self.pair("readonly")

    @property
    def service_account_key(self) -> Path:
        return self.directory / "sa.key"

    @property
    def service_account_pub(self) -> Path:
        return self.directory / "sa.pub"


def _write(path: Path, data: bytes, private: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def _issue(pair: Pair, subject: x509.Name, ca_key: ec.EllipticCurvePrivateKey, ca_name: x509.Name | None,
           *, usages: list[x509.ObjectIdentifier], dns: tuple[str, ...] = (),
           ips: tuple[ipaddress.IPv4Address, ...] = ()) -> None:
    """Sign a leaf certificate for a new key (or, with ca_name None, the self-signed CA) and write both."""
    is_ca = ca_name is None
    key = ca_key if is_ca else ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(subject if is_ca else ca_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - CLOCK_SKEW)
               .not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=not is_ca, key_cert_sign=is_ca,
                                            crl_sign=is_ca, content_commitment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False),
                              critical=True))
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if dns or ips:
        names = [*map(x509.DNSName, dns), *map(x509.IPAddress, ips)]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(pair.key, _key_pem(key), private=True)
    _write(pair.cert, cert.public_bytes(serialization.Encoding.PEM))


def generate(directory: Path) -> Pki:
    """A CA, serving certificates for etcd and kube-apiserver, client certificates and the SA signing key."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pki = Pki(directory)
    server, client = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("platformctl-local-ca")
    _issue(pki.ca, ca_name, ca_key, None, usages=[])
    _issue(pki.etcd, _name("etcd"), ca_key, ca_name, usages=[server, client], dns=("localhost",), ips=(LOOPBACK,))
    _issue(pki.etcd_client, _name("kube-apiserver-etcd-client"), ca_key, ca_name, usages=[client])
    _issue(pki.apiserver, _name("kube-apiserver"), ca_key, ca_name, usages=[server], dns=APISERVER_NAMES,
           ips=(LOOPBACK, SERVICE_IP))
    _issue(pki.admin, _name(ADMIN_USER, ADMIN_GROUP), ca_key, ca_name, usages=[client])
    _issue(pki.readonly, _name(READONLY_USER), ca_key, ca_name, usages=[client])
    signer = ec.generate_private_key(ec.SECP256R1())
    _write(pki.service_account_key, _key_pem(signer), private=True)
    _write(pki.service_account_pub, signer.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return pki
