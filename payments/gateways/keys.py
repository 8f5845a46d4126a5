"""Reading gateway keys from settings: a PEM string, the base64 body alone, or a path to a
PEM file. Alipay's SDK signs only with PKCS#1 private keys, so PKCS#8 keys (what Alipay's
key tool calls the JAVA format) are converted on load."""

from functools import cache
from pathlib import Path

from Crypto.PublicKey import RSA
from django.core.exceptions import ImproperlyConfigured


def _read(value: str) -> str:
    value = (value or "").strip()
    if value and "\n" not in value and not value.startswith("MII") and Path(value).is_file():
        return Path(value).read_text().strip()
    return value


def _as_pem(text: str, label: str) -> str:
    if text.startswith("-----BEGIN"):
        return text
    body = "".join(text.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


@cache
def private_key_pkcs1(value: str) -> str:
    """The private key as a PKCS#1 PEM, whatever form it was given in."""
    text = _read(value)
    if not text:
        raise ImproperlyConfigured("A payment private key is not configured.")
    # A bare base64 body may be PKCS#1 or PKCS#8: try both wrappings.
    candidates = (
        [text]
        if text.startswith("-----BEGIN")
        else [
            _as_pem(text, "RSA PRIVATE KEY"),
            _as_pem(text, "PRIVATE KEY"),
        ]
    )
    for pem in candidates:
        try:
            return RSA.import_key(pem).export_key(pkcs=1).decode()
        except (ValueError, IndexError, TypeError):
            continue
    raise ImproperlyConfigured("A payment private key could not be read.")


@cache
def public_key_pem(value: str) -> str:
    """A public key (SubjectPublicKeyInfo) as a PEM, whatever form it was given in."""
    text = _read(value)
    if not text:
        raise ImproperlyConfigured("A payment public key is not configured.")
    try:
        return RSA.import_key(_as_pem(text, "PUBLIC KEY")).export_key().decode()
    except (ValueError, IndexError, TypeError):
        raise ImproperlyConfigured("A payment public key could not be read.") from None
