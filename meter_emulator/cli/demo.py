"""``./run demo``: what runs of the demonstration today.

The two windows on the virtual radio arrive with the BLE link, the emulator GUI and the IHD GUI
(issues B-E). Until then the demo plays the part that already exists end to end: an operator
signs one message of every kind the display shows, then the attack console sends every forgery,
and the display's verification pipeline accepts or refuses each with its reason code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import MESSAGE_TYPES, Flow
from ihd_app.protocol.pki import Identity, Role, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.verification import Verdict, Verifier
from meter_emulator.attacks.forgery import ATTACKS, AttackContext
from meter_emulator.attacks.vectors import _REQUESTS, IHD_ID, METER_ID

_IDENTITY_OF_ROLE = {role: role.value for role in Role}


def _line(label: str, verdict: Verdict, as_expected: bool) -> str:
    outcome = "ACCEPTED" if verdict.accepted else f"REFUSED  {verdict.reason}"
    mark = "ok " if as_expected else "!! "
    return f"  {mark}{label:<41} {outcome:<30} {verdict.detail}"


def run(argv: Sequence[str] | None = None) -> int:
    """Play the demonstration in the terminal; 0 when every verdict is the expected one."""
    parser = argparse.ArgumentParser(prog="./run demo", description=__doc__)
    parser.parse_args(argv)
    pki = demo_pki_dir()
    cache: dict[str, Identity] = {}

    def identities(name: str) -> Identity:
        if name not in cache:
            cache[name] = load_identity(pki, name)
        return cache[name]

    policy = Policy.from_file(default_policy_path())
    now = datetime.now(UTC)
    verifier = Verifier(
        TrustStore.from_directory(demo_trust_dir()),
        policy,
        InMemoryReplayCounters(),
        {METER_ID, IHD_ID},
        clock=lambda: now,
    )
    print("In-Home Display emulator - verified messages (DEMO PKI, not for production)\n")
    print("Operator console: one genuine message of every kind the display shows")
    all_as_expected = True
    counter = int(now.timestamp() * 1000)
    for spec in MESSAGE_TYPES:
        if spec.flow is not Flow.TO_IHD:
            continue
        role = next(r for r in Role if policy.allows(r, spec.name))
        signer = identities(_IDENTITY_OF_ROLE[role])
        payload, details = compose(_REQUESTS[spec.name])
        counter += 1
        claims = new_claims(signer, spec.name, METER_ID, counter, issued_at=now, details=details)
        verdict = verifier.verify(sign_envelope(signer, claims, payload))
        all_as_expected &= verdict.accepted
        print(_line(f"{role.value}: {spec.title}", verdict, verdict.accepted))

    print("\nAttack console: every forgery must be refused with its reason")
    outage: MessageRequest = _REQUESTS["outage.planned"]
    payload, _ = compose(outage)
    for attack in ATTACKS:
        counter += 1
        ctx = AttackContext(identities, METER_ID, now - timedelta(seconds=1), counter, payload)
        data = attack.build(ctx)
        if attack.replays:
            verifier.verify(data)  # the genuine delivery, accepted
        verdict = verifier.verify(data)
        as_expected = verdict.reason is attack.expected
        all_as_expected &= as_expected
        print(_line(attack.title, verdict, as_expected))
    print(
        "\nThe BLE link, the meter emulator window and the IHD window are not built yet;"
        "\nthis terminal run shows the verification they will use."
    )
    return 0 if all_as_expected else 1


if __name__ == "__main__":
    sys.exit(run())
