"""Fixtures for the meter's BLE tests: an in-process virtual air, a meter on it, a central."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from meter_emulator.radio import VirtualAir
from tests.meter.support import Central, Meter, start_meter


@pytest.fixture
async def air() -> AsyncIterator[VirtualAir]:
    virtual_air = VirtualAir(port=None)
    await virtual_air.start()
    yield virtual_air
    await virtual_air.close()


@pytest.fixture
async def meter(air: VirtualAir) -> AsyncIterator[Meter]:
    running = await start_meter(air)
    yield running
    await running.close()


@pytest.fixture
async def central(air: VirtualAir) -> AsyncIterator[Central]:
    ihd = Central(air)
    await ihd.start()
    yield ihd
    await ihd.close()
