"""Fixtures: a meter emulator and the real IHD service, connected in one process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.meter_behaviour.support import Stack, start_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await start_stack(tmp_path, speed=10)
    yield running
    await running.close()
