"""A throwaway certificate authority for signing tests (made with ``cryptography``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DPMPTSP Kota Contoh"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=False)
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    builder = builder.add_extension(
        x509.KeyUsage(
            content_commitment=not ca,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    return builder.sign(signing_key, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_office_ca(folder: Path, signer: str = "Kepala Dinas Kota Contoh") -> dict[str, str]:
    """Write a root CA and the office's signing key/certificate; returns the env to set."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(
        _name("Test Root CA"), _name("Test Root CA"), root_key.public_key(), root_key, ca=True
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(_name(signer), root.subject, key.public_key(), root_key, ca=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(_pem(root))
    (folder / "office.pem").write_bytes(_pem(leaf))
    (folder / "office.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        "PERMITFLOW_SIGNING_KEY": str(folder / "office.key"),
        "PERMITFLOW_SIGNING_CERT": str(folder / "office.pem"),
        "PERMITFLOW_SIGNING_CHAIN": str(folder / "root.pem"),
    }


def make_stranger_root(folder: Path) -> str:
    """A root certificate that signed nothing of the office's (a wrong trust anchor)."""
    key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(_name("Other CA"), _name("Other CA"), key.public_key(), key, ca=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "other.pem").write_bytes(_pem(root))
    return str(folder / "other.pem")
