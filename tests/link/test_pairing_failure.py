"""A failed pairing is reported with its true cause, whatever code the stack used for it."""

from __future__ import annotations

import pytest
from bleak.exc import BleakDBusError

from ihd_app.link.bumble_backend.errors import BumblePairingError
from ihd_app.link.pairing import AutoAccept, RejectAll
from ihd_app.link.pairing_failure import PairingFailure, PairingTracker


def _bumble(name: str, code: int) -> BumblePairingError:
    return BumblePairingError("F0:F1:F2:F3:F4:F5", name.lower(), reason=code, name=name)


async def test_a_comparison_this_display_refused_is_named_so_not_confirm_value_failed() -> None:
    tracker = PairingTracker(RejectAll())
    tracker.start()
    assert not await tracker.answers.confirm_numeric(123456)
    # Bumble answers a refused comparison with Confirm Value Failed, as it does Just Works.
    failure = tracker.classify(_bumble("CONFIRM_VALUE_FAILED", 0x04))
    assert failure is PairingFailure.COMPARISON_REJECTED


async def test_just_works_refused_by_the_meter_is_not_called_a_rejected_comparison() -> None:
    tracker = PairingTracker(AutoAccept())
    tracker.start()  # nothing asked here: the method was Just Works
    assert tracker.classify(_bumble("CONFIRM_VALUE_FAILED", 0x04)) == "just-works-refused"


async def test_each_attempt_is_classified_by_its_own_questions() -> None:
    tracker = PairingTracker(AutoAccept())
    await tracker.answers.confirm_numeric(1)  # an earlier, successful pairing
    tracker.start()
    failure = tracker.classify(BleakDBusError("org.bluez.Error.AuthenticationFailed", []))
    assert failure is PairingFailure.JUST_WORKS_REFUSED


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_bumble("NUMERIC_COMPARISON_FAILED", 0x0C), "comparison-rejected"),
        (_bumble("PASSKEY_ENTRY_FAILED", 0x01), "passkey-wrong"),
        (_bumble("AUTHENTICATION_REQUIREMENTS", 0x03), "legacy-pairing-refused"),
        (BleakDBusError("org.bluez.Error.AuthenticationTimeout", []), "timeout"),
        (TimeoutError(), "timeout"),
        (BumblePairingError("F0:F1:F2:F3:F4:F5", "no answer within 30 s"), "timeout"),
        (BleakDBusError("org.bluez.Error.ConnectionAttemptFailed", []), "failed"),
    ],
)
def test_the_stacks_own_names_are_mapped(error: BaseException, expected: str) -> None:
    tracker = PairingTracker(AutoAccept())
    tracker.start()
    assert tracker.classify(error) == expected


async def test_a_wrong_passkey_is_named_so() -> None:
    tracker = PairingTracker(AutoAccept(passkey=1))
    tracker.start()
    assert await tracker.answers.enter_passkey() == 1
    failure = tracker.classify(BleakDBusError("org.bluez.Error.AuthenticationFailed", []))
    assert failure is PairingFailure.PASSKEY_WRONG


async def test_a_meter_that_takes_no_new_display_now_is_named_so() -> None:
    # The meter's pairing window is closed: it answers the request with Pairing Not Supported
    # before anyone is asked anything.
    tracker = PairingTracker(AutoAccept())
    tracker.start()
    failure = tracker.classify(_bumble("PAIRING_NOT_SUPPORTED", 0x05))
    assert failure is PairingFailure.NOT_PAIRABLE
    assert failure == "not-pairable"
