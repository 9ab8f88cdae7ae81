"""Filling in claims for a new envelope: the part of signing every sender repeats."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from ihd_app.protocol.envelope.claims import Claims, DetailValue
from ihd_app.protocol.pki.identity import Identity

#: How long an envelope stays valid unless the sender says otherwise.
DEFAULT_VALIDITY = timedelta(hours=24)


def new_claims(
    signer: Identity,
    type_name: str,
    audience: str,
    counter: int,
    *,
    issued_at: datetime,
    valid_for: timedelta = DEFAULT_VALIDITY,
    not_before: datetime | None = None,
    details: Mapping[str, DetailValue] | None = None,
    token_id: bytes | None = None,
) -> Claims:
    """Claims for an envelope from ``signer``.

    Args:
        signer: Whose entity id and role go in ``iss`` and ``role``.
        type_name: The message type.
        audience: The recipient's entity id.
        counter: The originator counter (must exceed the last one the recipient accepted).
        issued_at: ``iat``; also the default ``nbf``.
        valid_for: ``exp`` is ``nbf`` plus this.
        not_before: ``nbf`` when it differs from ``issued_at`` (future messages).
        details: Structured details.
        token_id: ``cti``; 16 random bytes by default.
    """
    start = not_before or issued_at
    return Claims(
        issuer=signer.entity_id,
        audience=audience,
        issued_at=int(issued_at.timestamp()),
        not_before=int(start.timestamp()),
        expires=int((start + valid_for).timestamp()),
        token_id=token_id if token_id is not None else os.urandom(16),
        type=type_name,
        role=signer.role.value,
        counter=counter,
        details=dict(details or {}),
    )
