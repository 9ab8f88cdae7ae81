"""CWT claims carried in the envelope's protected header (COSE label 15, RFC 9597).

Standard claims use their registered labels (RFC 8392); ours use integer labels from the private
range (below -65536) so a constrained decoder handles every key as an integer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason

#: Version of the envelope profile described in docs/protocol.md.
ENVELOPE_VERSION = 1

ISS = 1
AUD = 3
EXP = 4
NBF = 5
IAT = 6
CTI = 7
TYPE = -65537
ROLE = -65538
COUNTER = -65539
DETAILS = -65540
VERSION = -65541

#: Longest text claim (entity ids are 23 characters; types and roles are shorter).
MAX_TEXT_CLAIM = 64
MAX_CTI = 32
MAX_DETAILS_DEPTH = 4
UINT64_MAX = (1 << 64) - 1

DetailValue = str | int | float | bool | None | list["DetailValue"] | dict[str, "DetailValue"]


@dataclass(frozen=True)
class Claims:
    """What an envelope asserts about its payload.

    Attributes:
        issuer: ``iss``, the originator's entity id (must match the signer's certificate).
        audience: ``aud``, the entity id of the intended recipient (meter or IHD).
        issued_at: ``iat``, POSIX seconds.
        not_before: ``nbf``, POSIX seconds: refused before this.
        expires: ``exp``, POSIX seconds: refused after this.
        token_id: ``cti``, a unique id for this envelope (1-32 bytes).
        type: Message type, e.g. ``outage.planned``.
        role: The originator's role as it claims it (must match its certificate).
        counter: Originator counter, strictly increasing per originator (replay protection).
        details: Structured details (outage window, threshold, reason of an error...).
        version: Envelope profile version.
    """

    issuer: str
    audience: str
    issued_at: int
    not_before: int
    expires: int
    token_id: bytes
    type: str
    role: str
    counter: int
    details: Mapping[str, DetailValue] = field(default_factory=dict)
    version: int = ENVELOPE_VERSION

    def to_cbor_map(self) -> dict[int, Any]:
        """The claims as the integer-keyed map placed under label 15.

        Raises:
            EncodeError: A field is out of range.
        """
        if not 0 <= self.counter <= UINT64_MAX:
            raise EncodeError(Reason.MALFORMED, f"counter {self.counter} is not a uint64")
        if not 1 <= len(self.token_id) <= MAX_CTI:
            raise EncodeError(Reason.MALFORMED, f"cti must be 1-{MAX_CTI} bytes")
        _check_details(self.details, 0, EncodeError)
        claims: dict[int, Any] = {
            ISS: self.issuer,
            AUD: self.audience,
            EXP: self.expires,
            NBF: self.not_before,
            IAT: self.issued_at,
            CTI: self.token_id,
            TYPE: self.type,
            ROLE: self.role,
            COUNTER: self.counter,
            VERSION: self.version,
        }
        if self.details:
            claims[DETAILS] = dict(self.details)
        return claims

    @classmethod
    def from_cbor_map(cls, claims: object) -> Claims:
        """Validate and read the claims map.

        Raises:
            DecodeError: ``unsupported-version`` for another envelope version, otherwise
                ``malformed`` naming the claim that is missing or of the wrong type.
        """
        if not isinstance(claims, dict):
            raise DecodeError(Reason.MALFORMED, "CWT claims (label 15) must be a map")
        version = claims.get(VERSION)
        if version != ENVELOPE_VERSION:
            raise DecodeError(
                Reason.UNSUPPORTED_VERSION,
                f"envelope version {version!r} is not supported (this display reads version "
                f"{ENVELOPE_VERSION})",
            )
        details = claims.get(DETAILS, {})
        if not isinstance(details, dict):
            raise DecodeError(Reason.MALFORMED, "claim 'details' must be a map")
        _check_details(details, 0, DecodeError)
        return cls(
            issuer=_text(claims, ISS, "iss"),
            audience=_text(claims, AUD, "aud"),
            issued_at=_time(claims, IAT, "iat"),
            not_before=_time(claims, NBF, "nbf"),
            expires=_time(claims, EXP, "exp"),
            token_id=_cti(claims),
            type=_text(claims, TYPE, "type"),
            role=_text(claims, ROLE, "role"),
            counter=_counter(claims),
            details=details,
            version=version,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form, with claim names."""
        return {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": self.issued_at,
            "nbf": self.not_before,
            "exp": self.expires,
            "cti": self.token_id.hex(),
            "type": self.type,
            "role": self.role,
            "counter": self.counter,
            "details": dict(self.details),
            "version": self.version,
        }


def _text(claims: dict[Any, Any], label: int, name: str) -> str:
    value = claims.get(label)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT_CLAIM:
        raise DecodeError(
            Reason.MALFORMED, f"claim '{name}' must be text of 1-{MAX_TEXT_CLAIM} characters"
        )
    return value


def _time(claims: dict[Any, Any], label: int, name: str) -> int:
    value = claims.get(label)
    # bool is an int in Python; CBOR true/false are not NumericDate.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= UINT64_MAX:
        raise DecodeError(Reason.MALFORMED, f"claim '{name}' must be a NumericDate (seconds)")
    return value


def _cti(claims: dict[Any, Any]) -> bytes:
    value = claims.get(CTI)
    if not isinstance(value, bytes) or not 1 <= len(value) <= MAX_CTI:
        raise DecodeError(Reason.MALFORMED, f"claim 'cti' must be 1-{MAX_CTI} bytes")
    return value


def _counter(claims: dict[Any, Any]) -> int:
    value = claims.get(COUNTER)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= UINT64_MAX:
        raise DecodeError(Reason.MALFORMED, "claim 'counter' must be an unsigned 64-bit integer")
    return value


def _check_details(value: object, depth: int, error: type[DecodeError] | type[EncodeError]) -> None:
    if depth > MAX_DETAILS_DEPTH:
        raise error(Reason.MALFORMED, f"details nest deeper than {MAX_DETAILS_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise error(Reason.MALFORMED, "details keys must be text")
            _check_details(item, depth + 1, error)
    elif isinstance(value, list):
        for item in value:
            _check_details(item, depth + 1, error)
    elif not isinstance(value, str | int | float | bool) and value is not None:
        raise error(
            Reason.MALFORMED,
            f"details may hold text, numbers, lists and maps, not {type(value).__name__}",
        )
