"""open_bumble_host: transports, btsnoop capture, bonds kept across runs."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

from ihd_app.link.bumble_backend import (
    BumbleBleakClient,
    BumbleBleakScanner,
    PairingEvent,
    PairingEventKind,
    bumble_client_of,
)
from ihd_app.link.bumble_host import RadioUnavailableError, open_bumble_host
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.errors import ConfigurationError, IhdError
from ihd_app.protocol.radio_spec import free_virtual_port as free_port
from tests.link.conftest import (
    IHD_ADDRESS,
    INFO_UUID,
    INFO_VALUE,
    METER_ADDRESS,
    STEP,
    Meter,
    build_meter,
    settle,
)


async def test_no_radio_listening_is_one_clear_sentence(tmp_path: Path) -> None:
    moniker = f"tcp-client:127.0.0.1:{free_port()}"

    with pytest.raises(RadioUnavailableError) as caught:
        await open_bumble_host(
            moniker,
            name="IHD",
            address=IHD_ADDRESS,
            keystore_path=tmp_path / "bonds.json",
            pairing=AutoAccept(),
        )

    port = moniker.rsplit(":", 1)[-1]
    assert (
        str(caught.value) == f"no virtual radio on port {port} yet: start the meter emulator first"
    )
    assert isinstance(caught.value, IhdError)


async def test_an_unknown_transport_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RadioUnavailableError, match="cannot open the Bluetooth transport"):
        await open_bumble_host(
            "carrier-pigeon:1",
            name="IHD",
            address=IHD_ADDRESS,
            keystore_path=tmp_path / "bonds.json",
            pairing=AutoAccept(),
        )


async def test_an_address_that_is_not_static_random_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a static random Bluetooth address"):
        await open_bumble_host(
            "tcp-client:127.0.0.1:1",
            name="IHD",
            address="00:11:22:33:44:55",
            keystore_path=tmp_path / "bonds.json",
            pairing=AutoAccept(),
        )


@pytest.fixture
async def virtual_radio() -> AsyncIterator[tuple[str, Meter]]:
    """The meter on a LocalLink whose second controller is served on a local TCP port."""
    link = LocalLink()
    meter = build_meter(link, AutoAccept())
    await meter.device.power_on()
    await meter.start_advertising()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = await open_tcp_server_transport_with_socket(listener)
    Controller("ihd", host_source=server.source, host_sink=server.sink, link=link)
    yield f"tcp-client:127.0.0.1:{port}", meter
    await meter.device.stop_advertising()
    await meter.device.power_off()
    server.server.close()  # type: ignore[attr-defined]
    await server.server.wait_closed()  # type: ignore[attr-defined]
    await server.close()
    await settle()


async def run_ihd_once(
    moniker: str, keystore_path: Path, btsnoop: Path, *, pair: bool
) -> tuple[AutoAccept, list[PairingEvent], bytes]:
    """One IHD run: open the host, connect to the meter (pairing if asked), read, close."""
    answers = AutoAccept()
    events: list[PairingEvent] = []
    async with await open_bumble_host(
        moniker,
        name="IHD",
        address=IHD_ADDRESS,
        keystore_path=keystore_path,
        pairing=answers,
        btsnoop=btsnoop,
    ) as host:
        device = await BleakScanner.find_device_by_address(
            METER_ADDRESS, STEP, backend=BumbleBleakScanner, bumble_device=host.device
        )
        assert device is not None
        async with BleakClient(
            device,
            backend=BumbleBleakClient,
            bumble_device=host.device,
            on_pairing_event=events.append,
            pair=pair,
        ) as client:
            security = bumble_client_of(client).security
            assert security.encrypted
            assert security.authenticated
            assert security.bonded
            value = bytes(await client.read_gatt_char(INFO_UUID))
    return answers, events, value


async def test_bonds_are_kept_across_runs_and_captured_in_btsnoop(
    virtual_radio: tuple[str, Meter], tmp_path: Path
) -> None:
    moniker, _meter = virtual_radio
    keystore_path = tmp_path / "data" / "bonds.json"

    first = await asyncio.wait_for(
        run_ihd_once(moniker, keystore_path, tmp_path / "first.btsnoop", pair=True), 3 * STEP
    )
    second = await asyncio.wait_for(
        run_ihd_once(moniker, keystore_path, tmp_path / "second.btsnoop", pair=False), 3 * STEP
    )

    answers, events, value = first
    assert len(answers.confirmed) == 1
    assert [e.kind for e in events] == [PairingEventKind.STARTED, PairingEventKind.PAIRED]
    assert value == INFO_VALUE
    assert keystore_path.exists()
    answers, events, value = second
    assert answers.confirmed == []
    assert [e.kind for e in events] == [PairingEventKind.ENCRYPTED_WITH_BOND]
    assert value == INFO_VALUE

    capture = tmp_path / "second.btsnoop"
    assert capture.read_bytes().startswith(b"btsnoop\x00")
    shown = subprocess.run(
        [sys.executable, "-m", "bumble.apps.show", "--format", "snoop", str(capture)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "HCI_LE_ENABLE_ENCRYPTION_COMMAND" in shown.stdout


async def test_closing_the_host_drops_its_links_so_the_meter_advertises_again(
    virtual_radio: tuple[str, Meter], tmp_path: Path
) -> None:
    moniker, meter = virtual_radio
    host = await open_bumble_host(
        moniker,
        name="IHD",
        address=IHD_ADDRESS,
        keystore_path=tmp_path / "bonds.json",
        pairing=AutoAccept(),
    )
    device = await BleakScanner.find_device_by_address(
        METER_ADDRESS, STEP, backend=BumbleBleakScanner, bumble_device=host.device
    )
    assert device is not None
    client = BleakClient(device, backend=BumbleBleakClient, bumble_device=host.device)
    await asyncio.wait_for(client.connect(), STEP)
    meter_link = meter.connection
    dropped: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    meter_link.once(meter_link.EVENT_DISCONNECTION, dropped.set_result)

    await asyncio.wait_for(host.close(), STEP)
    await host.close()

    await asyncio.wait_for(dropped, STEP)
    assert not client.is_connected
    assert meter.device.connections == {}


async def test_giving_up_waiting_for_the_radio_to_go_does_not_make_it_gone(
    virtual_radio: tuple[str, Meter], tmp_path: Path
) -> None:
    moniker, _meter = virtual_radio
    async with await open_bumble_host(
        moniker,
        name="IHD",
        address=IHD_ADDRESS,
        keystore_path=tmp_path / "bonds.json",
        pairing=AutoAccept(),
    ) as host:
        first = asyncio.ensure_future(host.wait_lost())
        await asyncio.sleep(0)  # the waiter is waiting
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        # A later waiter still waits: the radio is there (a refused pairing stops waiting for
        # the radio's loss and starts again; the display once reopened its radio for that).
        second = asyncio.ensure_future(host.wait_lost())
        done, _ = await asyncio.wait({second}, timeout=0)
        assert not done
        second.cancel()
        await asyncio.gather(second, return_exceptions=True)
