"""The meter's answer to an operator's data request: signed by the meter, then sealed to the
requesting operator's certificate (seed Appendix D, "islands of trust"; docs/protocol.md §5.4).

Sign, then encrypt:

1. The meter signs a ``data.response`` envelope (COSE_Sign1, ES256, its certificate embedded)
   addressed (``aud``) to the operator whose certificate signed the request, its details naming
   the request it answers (``refers_to``, the request's ``cti``) and carrying the values.
2. That envelope is sealed (:mod:`ihd_app.protocol.envelope.sealed`) to the same certificate.

So the operator learns that the meter signed the values, and nobody on the path learns either
the values or which meter signed them. The signature being inside, the operator can keep or pass
on the signed values as evidence. Because ``aud`` is signed, a recipient cannot re-seal the
inner envelope to a third party and pass it off as that party's answer (the weakness of naive
sign-then-encrypt): the opener refuses an envelope addressed to anyone else.

``data.response`` is not one of the HAN's message types (:mod:`ihd_app.protocol.message_types`):
it never travels between meter and display, the authorisation policy does not list it, and a
meter or display refuses it as ``unknown-command``. Its checks are here, on the operator's side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509

from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.envelope import parse_envelope, sign_envelope, signature_is_valid
from ihd_app.protocol.envelope.claims import Claims, DetailValue
from ihd_app.protocol.envelope.compose import DEFAULT_VALIDITY, new_claims
from ihd_app.protocol.envelope.cose import MAX_ENVELOPE_BYTES
from ihd_app.protocol.envelope.sealed import seal, unseal
from ihd_app.protocol.errors import DecodeError, SealedResponseError
from ihd_app.protocol.pki.certificates import CertificateSummary
from ihd_app.protocol.pki.identity import Identity
from ihd_app.protocol.pki.roles import Role
from ihd_app.protocol.pki.trust_store import TrustStore
from ihd_app.protocol.signer_lookup import SignerLookup, SignerRefused
from ihd_app.protocol.verification import DEFAULT_CLOCK_SKEW_S

#: The ``type`` claim of the signed envelope inside a sealed data response.
DATA_RESPONSE = "data.response"
#: Granularities a response may carry (the consent's: half-hourly, daily, monthly).
GRANULARITIES = tuple(g.value for g in Granularity)
#: A GetProfile asks for at most 255 periods.
MAX_VALUES = 255


@dataclass(frozen=True)
class DataResponse:
    """What a data response says.

    Attributes:
        refers_to: The request's ``cti`` in hex (the key of its status row).
        fuel: ``electricity`` or ``gas``.
        end: When the newest period ends.
        granularity: One of :data:`GRANULARITIES`.
        values_wh: Energy per period in Wh, newest first (ZSE order).
    """

    refers_to: str
    fuel: str
    end: datetime
    granularity: str
    values_wh: tuple[int, ...]

    @property
    def periods(self) -> int:
        """How many periods it carries."""
        return len(self.values_wh)

    @property
    def kwh(self) -> float:
        """The periods' total in kWh."""
        return round(sum(self.values_wh) / 1000, 3)

    def to_details(self) -> dict[str, DetailValue]:
        """The ``details`` claim of the signed envelope."""
        return {
            "refers_to": self.refers_to,
            "fuel": self.fuel,
            "end": self.end.astimezone(UTC).isoformat(timespec="seconds"),
            "granularity": self.granularity,
            "periods": self.periods,
            "values_wh": list(self.values_wh),
        }

    @classmethod
    def from_details(cls, details: Mapping[str, DetailValue]) -> DataResponse:
        """Read the ``details`` claim.

        Raises:
            SealedResponseError: A field is missing or of the wrong kind.
        """
        refers_to, fuel, end = details.get("refers_to"), details.get("fuel"), details.get("end")
        granularity, values = details.get("granularity"), details.get("values_wh")
        if not isinstance(refers_to, str) or fuel not in ("electricity", "gas"):
            raise SealedResponseError("the response's details need refers_to and a fuel")
        if not isinstance(granularity, str) or granularity not in GRANULARITIES:
            raise SealedResponseError(f"granularity {granularity!r} is not one of {GRANULARITIES}")
        items = values if isinstance(values, list) else []
        # bool is an int in Python; CBOR true/false are not counts.
        counts = [v for v in items if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
        if (
            not isinstance(values, list)
            or len(counts) != len(values)
            or len(counts) > MAX_VALUES
            or details.get("periods") != len(counts)
        ):
            raise SealedResponseError(
                "values_wh must be up to 255 counts of Wh, as many as periods"
            )
        try:
            moment = datetime.fromisoformat(end) if isinstance(end, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise SealedResponseError("end must be an ISO 8601 time with its offset")
        return cls(refers_to, str(fuel), moment, granularity, tuple(counts))


@dataclass(frozen=True)
class OpenedDataResponse:
    """A sealed response opened and checked by its operator.

    Attributes:
        response: What the meter said.
        meter: The signer's certificate summary (a meter of the trust store's PKI).
        claims: The signed envelope's claims.
        sealed_for: Whose key opened it (the operator's entity id).
        sealed_bytes: The size of the sealed response.
    """

    response: DataResponse
    meter: CertificateSummary
    claims: Claims
    sealed_for: str
    sealed_bytes: int


def seal_data_response(
    meter: Identity,
    recipient: x509.Certificate,
    response: DataResponse,
    *,
    counter: int,
    issued_at: datetime,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> bytes:
    """Sign ``response`` as the meter, then seal it to ``recipient``'s certificate.

    Args:
        meter: The meter's identity (signs, and its certificate goes inside).
        recipient: The certificate that signed the request (the operator it answers).
        response: What to send.
        counter: The meter's next originator counter.
        issued_at: ``iat`` and ``nbf``.
        valid_for: ``exp`` is ``issued_at`` plus this.

    Raises:
        SealedResponseError: The recipient's certificate has no P-256 key.
    """
    audience = CertificateSummary.of(recipient).entity_id
    claims = new_claims(
        meter,
        DATA_RESPONSE,
        audience,
        counter,
        issued_at=issued_at,
        valid_for=valid_for,
        details=response.to_details(),
    )
    return seal(sign_envelope(meter, claims, b""), recipient)


def open_meter_envelope(
    sealed: bytes,
    operator: Identity,
    trust: TrustStore,
    expected_type: str,
    *,
    now: datetime,
    clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
    max_bytes: int | None = None,
) -> tuple[CertificateSummary, Claims]:
    """Decrypt a meter's sealed envelope of ``expected_type`` with ``operator``'s key and check
    it: a trusted meter's valid signature, addressed to ``operator``, within its validity.
    ``max_bytes`` bounds the sealed bytes and the signed envelope inside (unless told: a HAN
    envelope's 4 KiB inside 8 KiB sealed).

    Raises:
        SealedResponseError: Any check fails (one sentence why).
    """
    inner = unseal(sealed, operator) if max_bytes is None else unseal(sealed, operator, max_bytes)
    try:
        envelope = parse_envelope(inner, max_bytes or MAX_ENVELOPE_BYTES)
    except DecodeError as exc:
        raise SealedResponseError(
            f"the decrypted response is not an envelope: {exc.detail}"
        ) from None
    known = SignerLookup(trust, None).find(envelope)
    if isinstance(known, SignerRefused):
        raise SealedResponseError(f"the response's signer is refused: {known.detail}")
    meter = known.summary
    if not signature_is_valid(envelope, known.key):
        raise SealedResponseError(f"the signature does not verify with {meter.entity_id}'s key")
    if not known.chains_to_root or known.revoked:
        why = "is revoked" if known.chains_to_root else "does not chain to a trusted root"
        raise SealedResponseError(f"the certificate of {meter.entity_id} {why}")
    if not meter.not_before <= now <= meter.not_after:
        raise SealedResponseError(f"the certificate of {meter.entity_id} is not valid now")
    claims = envelope.claims
    if meter.role is not Role.METER or claims.role != Role.METER.value:
        raise SealedResponseError(f"signed by {meter.entity_id}, which is not a meter")
    if claims.issuer != meter.entity_id or claims.type != expected_type:
        raise SealedResponseError(f"not a {expected_type} issued by {meter.entity_id}")
    if claims.audience != operator.entity_id:
        raise SealedResponseError(
            f"addressed to {claims.audience}, not to {operator.entity_id}: re-sealed by another"
        )
    moment = int(now.timestamp())
    if not claims.not_before - clock_skew_s <= moment <= claims.expires + clock_skew_s:
        raise SealedResponseError("the response is outside its validity window")
    return meter, claims


def open_data_response(
    sealed: bytes,
    operator: Identity,
    trust: TrustStore,
    *,
    now: datetime,
    request_key: str | None = None,
    clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
) -> OpenedDataResponse:
    """Decrypt with ``operator``'s key, then check the meter's signature and claims.

    Args:
        sealed: The sealed response.
        operator: The operator whose certificate signed the request (its private key opens).
        trust: Roots and revocations the meter's certificate must pass.
        now: The time the validity periods are checked at.
        request_key: The request's ``cti`` in hex, when the caller knows which it awaits.
        clock_skew_s: Tolerance on ``nbf`` and ``exp``.

    Raises:
        SealedResponseError: It cannot be opened with this key, or what is inside is not a
            valid, trusted meter's signed answer addressed to ``operator``.
    """
    meter, claims = open_meter_envelope(
        sealed, operator, trust, DATA_RESPONSE, now=now, clock_skew_s=clock_skew_s
    )
    response = DataResponse.from_details(claims.details)
    if request_key is not None and response.refers_to != request_key:
        raise SealedResponseError(
            f"answers request {response.refers_to}, not the request {request_key}"
        )
    return OpenedDataResponse(response, meter, claims, operator.entity_id, len(sealed))
