"""Pairing answers and their Bumble delegate."""

from __future__ import annotations

import asyncio

import pytest
from bumble.pairing import PairingConfig, PairingDelegate

from ihd_app.link.bumble_backend import BumblePairingError, bumble_client_of
from ihd_app.link.pairing import (
    DEFAULT_IO_CAPABILITY,
    AnswersPairingDelegate,
    AutoAccept,
    PairingAnswers,
    RejectAll,
)
from tests.link.conftest import STEP, Air


async def test_auto_accept_confirms_and_records() -> None:
    answers = AutoAccept(passkey=123456)
    delegate = AnswersPairingDelegate(answers)

    assert await delegate.compare_numbers(42, digits=6)
    assert await delegate.get_number() == 123456
    await delegate.display_number(654321, digits=6)

    assert answers.confirmed == [42]
    assert answers.displayed == [654321]
    assert delegate.io_capability == DEFAULT_IO_CAPABILITY


async def test_reject_all_refuses_everything() -> None:
    answers = RejectAll()
    delegate = AnswersPairingDelegate(answers)

    assert not await delegate.compare_numbers(42, digits=6)
    assert await delegate.get_number() is None
    await delegate.display_number(1, digits=6)
    assert answers.refused == [42]


async def test_just_works_is_refused_unless_allowed() -> None:
    assert not await AnswersPairingDelegate(AutoAccept()).confirm()
    assert await AnswersPairingDelegate(AutoAccept(), allow_just_works=True).confirm(auto=True)


def test_the_answers_satisfy_the_protocol() -> None:
    answers: list[PairingAnswers] = [AutoAccept(), RejectAll()]
    assert len(answers) == 2


async def test_a_peer_without_io_cannot_pair_with_the_ihd(air: Air) -> None:
    # No display and no input: only Just Works is possible, which gives no MITM protection.
    air.meter.device.pairing_config_factory = lambda _connection: PairingConfig(
        delegate=PairingDelegate(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
    )
    client = air.client(await air.find_meter())
    await asyncio.wait_for(client.connect(), STEP)

    with pytest.raises(BumblePairingError):
        await asyncio.wait_for(client.pair(), STEP)

    assert not bumble_client_of(client).security.encrypted
    assert air.central_answers.confirmed == []
    await client.disconnect()


class TypesWhatTheIhdShows:
    """A meter with a keyboard only: it types the passkey the IHD displays."""

    def __init__(self) -> None:
        self.shown: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def confirm_numeric(self, number: int) -> bool:
        raise AssertionError("a keyboard-only meter is never asked to compare numbers")

    async def enter_passkey(self) -> int | None:
        return await self.shown

    def display_passkey(self, passkey: int) -> None:
        raise AssertionError("a keyboard-only meter has no display")


async def test_passkey_entry_with_a_keyboard_only_meter(air: Air) -> None:
    meter_answers = TypesWhatTheIhdShows()
    air.meter.device.pairing_config_factory = lambda _connection: PairingConfig(
        delegate=AnswersPairingDelegate(
            meter_answers, io_capability=PairingDelegate.IoCapability.KEYBOARD_INPUT_ONLY
        )
    )
    ihd_display = air.central_answers.display_passkey

    def show(passkey: int) -> None:
        ihd_display(passkey)
        meter_answers.shown.set_result(passkey)

    air.central_answers.display_passkey = show  # type: ignore[method-assign]
    client = air.client(await air.find_meter())
    await asyncio.wait_for(client.connect(), STEP)

    await asyncio.wait_for(client.pair(), STEP)

    assert air.central_answers.displayed == [meter_answers.shown.result()]
    assert air.central_answers.confirmed == []
    security = bumble_client_of(client).security
    assert security.encrypted
    assert security.authenticated
    await client.disconnect()


async def test_a_peer_offering_only_legacy_pairing_gets_no_bond(air: Air) -> None:
    # A rogue meter without LE Secure Connections and without I/O: legacy Just Works, which
    # Bumble would complete without asking the IHD's delegate, giving an unauthenticated key.
    air.meter.device.pairing_config_factory = lambda _connection: PairingConfig(
        sc=False,
        mitm=False,
        delegate=PairingDelegate(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT),
    )
    client = air.client(await air.find_meter())
    await asyncio.wait_for(client.connect(), STEP)

    with pytest.raises(BumblePairingError):
        await asyncio.wait_for(client.pair(), STEP)

    assert not bumble_client_of(client).security.encrypted
    assert not air.keystore_path.exists() or "ltk" not in air.keystore_path.read_text()
    await client.disconnect()
