"""The PKI: roles in certificates, fresh PKIs, the trust store and its revocation list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki import (
    Identity,
    Role,
    TrustStore,
    available_identities,
    create_pki,
    load_identity,
    role_of,
)


def test_demo_pki_is_labelled_demo(pki_dir: Path) -> None:
    assert "DEMO" in (pki_dir / "README.txt").read_text()
    for name in available_identities(pki_dir):
        organisation_unit = load_identity(pki_dir, name).certificate.subject
        assert "DEMO" in organisation_unit.rfc4514_string() or name == "rogue-dno"


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("dno", Role.DNO),
        ("gdn", Role.GDN),
        ("supplier", Role.SUPPLIER),
        ("meter", Role.METER),
        ("ihd", Role.IHD),
    ],
)
def test_each_identity_carries_its_role(
    identities: Callable[[str], Identity], name: str, role: Role
) -> None:
    identity = identities(name)
    assert identity.role is role
    assert role_of(identity.certificate) is role
    assert len(identity.kid) == 32


def test_trust_store_chains_only_its_own_identities(
    trust: TrustStore, identities: Callable[[str], Identity]
) -> None:
    assert trust.issuing_root(identities("dno").certificate) is not None
    assert trust.issuing_root(identities("rogue-dno").certificate) is None


def test_revocation_list_names_only_the_revoked_supplier(
    trust: TrustStore, identities: Callable[[str], Identity]
) -> None:
    assert trust.is_revoked(identities("revoked-supplier").certificate)
    assert not trust.is_revoked(identities("supplier").certificate)


def test_fresh_pki_is_independent_of_the_demo(tmp_path: Path, trust: TrustStore) -> None:
    create_pki(tmp_path / "pki", label="Test PKI")
    fresh_trust = TrustStore.from_directory(tmp_path / "pki" / "trust")
    fresh_dno = load_identity(tmp_path / "pki", "dno")
    assert fresh_trust.issuing_root(fresh_dno.certificate) is not None
    assert trust.issuing_root(fresh_dno.certificate) is None
    assert fresh_trust.is_revoked(load_identity(tmp_path / "pki", "revoked-supplier").certificate)
    key_mode = (tmp_path / "pki" / "identities" / "dno" / "private-key.pem").stat().st_mode
    assert key_mode & 0o077 == 0, "private keys must not be readable by others"


def test_create_pki_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError):
        create_pki(tmp_path)


def test_crl_signed_by_a_stranger_is_refused(tmp_path: Path, pki_dir: Path) -> None:
    create_pki(tmp_path / "other")
    store = tmp_path / "store"
    (store / "roots").mkdir(parents=True)
    (store / "roots" / "root.pem").write_bytes((pki_dir / "trust/roots/root.pem").read_bytes())
    (store / "revoked.crl.pem").write_bytes((tmp_path / "other/trust/revoked.crl.pem").read_bytes())
    with pytest.raises(ConfigurationError, match="not signed by a root"):
        TrustStore.from_directory(store)


def test_trust_store_errors_are_specific(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        TrustStore.from_directory(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigurationError, match="no root"):
        TrustStore.from_directory(tmp_path / "empty")
    (tmp_path / "bad" / "roots").mkdir(parents=True)
    (tmp_path / "bad" / "roots" / "x.pem").write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="not a certificate"):
        TrustStore.from_directory(tmp_path / "bad")


def test_missing_identity_is_a_clear_error(pki_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match="no identity 'nobody'"):
        load_identity(pki_dir, "nobody")


def test_root_certificate_has_no_role(pki_dir: Path) -> None:
    root = x509.load_pem_x509_certificate((pki_dir / "root" / "certificate.pem").read_bytes())
    assert role_of(root) is None
