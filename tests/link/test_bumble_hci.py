"""QuietHost and QuietController: Bumble's dispatch, without formatting packets for logs that
are off."""

from __future__ import annotations

import asyncio
import logging

import pytest
from bumble import hci

from ihd_app.protocol.bumble_hci import QuietController, QuietHost


class _Sink:
    def __init__(self) -> None:
        self.packets: list[bytes] = []

    def on_packet(self, packet: bytes) -> None:
        self.packets.append(packet)


def _count_formatting(monkeypatch: pytest.MonkeyPatch, cls: type) -> list[int]:
    calls = [0]
    original = cls.__str__

    def counted(self: object) -> str:
        calls[0] += 1
        return original(self)

    monkeypatch.setattr(cls, "__str__", counted)
    return calls


async def test_controller_answers_a_command_without_formatting_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bumble.controller")
    formatted = _count_formatting(monkeypatch, hci.HCI_Command)
    controller = QuietController("quiet")
    host = _Sink()
    controller.host = host
    controller.on_packet(bytes(hci.HCI_Read_Local_Version_Information_Command()))
    await asyncio.sleep(0)  # the controller answers with call_soon
    (answer,) = host.packets
    event = hci.HCI_Packet.from_bytes(answer)
    assert isinstance(event, hci.HCI_Command_Complete_Event)
    assert event.command_opcode == hci.HCI_READ_LOCAL_VERSION_INFORMATION_COMMAND
    assert formatted == [0]


async def test_controller_logs_packets_when_bumble_debug_is_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    formatted = _count_formatting(monkeypatch, hci.HCI_Command)
    controller = QuietController("loud")
    host = _Sink()
    controller.host = host
    with caplog.at_level(logging.DEBUG, logger="bumble.controller"):
        controller.on_packet(bytes(hci.HCI_Read_Local_Version_Information_Command()))
        await asyncio.sleep(0)
    assert len(host.packets) == 1
    assert formatted[0] >= 1
    assert any("HOST -> CONTROLLER" in r.getMessage() for r in caplog.records)


def test_host_sends_packets_to_its_controller_without_formatting_them(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bumble.host")
    formatted = _count_formatting(monkeypatch, hci.HCI_Command)
    sink = _Sink()
    host = QuietHost(None, sink)
    command = hci.HCI_Reset_Command()
    host.send_hci_packet(command)
    assert sink.packets == [bytes(command)]
    assert formatted == [0]


def test_host_dispatches_events_without_formatting_them(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bumble.host")
    formatted = _count_formatting(monkeypatch, hci.HCI_Event)
    host = QuietHost(None, _Sink())
    seen: list[hci.HCI_Event] = []
    monkeypatch.setattr(host, "on_hci_event_packet", seen.append)
    event = hci.HCI_Command_Status_Event(
        status=0, num_hci_command_packets=1, command_opcode=hci.HCI_RESET_COMMAND
    )
    host.on_hci_packet(event)
    assert seen == [event]
    assert formatted == [0]
