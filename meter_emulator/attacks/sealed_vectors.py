"""Sealed test vectors: a data response signed by the DEMO meter and encrypted to the DEMO DNO's
certificate (docs/protocol.md §5.4), for an operator's or a board's implementation of opening
one. The DNO's private key is in the DEMO PKI, so anyone can check the vector opens."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from ihd_app.protocol.data_response import DataResponse, seal_data_response
from ihd_app.protocol.envelope.sealed import unseal
from ihd_app.protocol.pki import load_identity
from meter_emulator.attacks.vector_requests import VECTOR_TIME

#: The request the vector answers: the ``cti`` of the data-request vector (counter 1015 in
#: docs/protocol.md §10.1).
VECTOR_REQUEST_CTI = (1015).to_bytes(16, "big").hex()
#: Four half hours of electricity, newest first, ending on the vector time.
VECTOR_RESPONSE = DataResponse(
    refers_to=VECTOR_REQUEST_CTI,
    fuel="electricity",
    end=VECTOR_TIME,
    granularity="half-hourly",
    values_wh=(210, 180, 950, 400),
)
#: The meter's counter in the vector (above every counter of the envelope vectors).
VECTOR_COUNTER = 2001
NAME = "data-response-to-dno"


def write_sealed_vectors(directory: Path, pki_dir: Path) -> None:
    """Write ``DIR/data-response-to-dno.cbor`` and its ``.json`` (how to open it, what is inside).

    Encryption uses a fresh ephemeral key and IV: regenerating changes the bytes, never what
    the DNO reads.
    """
    directory.mkdir(parents=True, exist_ok=True)
    meter, dno = load_identity(pki_dir, "meter"), load_identity(pki_dir, "dno")
    sealed = seal_data_response(
        meter,
        dno.certificate,
        VECTOR_RESPONSE,
        counter=VECTOR_COUNTER,
        issued_at=VECTOR_TIME - timedelta(minutes=5),
        valid_for=timedelta(days=2),
    )
    (directory / f"{NAME}.cbor").write_bytes(sealed)
    entry = {
        "name": NAME,
        "file": f"sealed/{NAME}.cbor",
        "description": (
            "A data response signed by the DEMO meter (COSE_Sign1, ES256) and sealed to the DEMO "
            "DNO's certificate (COSE_Encrypt, ECDH-ES + HKDF-256, A128GCM)."
        ),
        "bytes": len(sealed),
        "open_at": VECTOR_TIME.isoformat(),
        "recipient": "dno",
        "recipient_key": "resources/pki/demo/identities/dno/private-key.pem",
        "recipient_kid": dno.kid.hex(),
        "trust": "resources/pki/demo/trust",
        "sealed_hex": sealed.hex(),
        "signed_envelope_hex": unseal(sealed, dno).hex(),
        "expected": {
            "signer": meter.entity_id,
            "aud": dno.entity_id,
            "type": "data.response",
            "details": VECTOR_RESPONSE.to_details(),
        },
        "not_openable_by": ["supplier", "gdn"],
    }
    (directory / f"{NAME}.json").write_text(
        json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
