"""What the two-process tests share: the programs they start, killed if a test leaves them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.programs import Program


@pytest.fixture
async def started_programs() -> AsyncIterator[list[Program]]:
    """Programs a test starts (append them); any still running at the end is killed."""
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()
