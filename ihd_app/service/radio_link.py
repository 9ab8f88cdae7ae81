"""The display's radio and the MeterLink on it: opened (damaged bonds set aside first), closed,
watched for loss, scanned, and connected to the meter (searching and retrying with backoff until
connected), which is then remembered as the paired meter. It is what
:class:`~ihd_app.service.connection.ConnectionKeeper` keeps up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ihd_app.core.model import PairedMeter
from ihd_app.link.handshake import Handshake
from ihd_app.link.meter_link import (
    LinkError,
    LinkState,
    MeterLink,
    PairingRefusedError,
    ScanResult,
    UnitHandler,
)
from ihd_app.link.pairing import PairingAnswers
from ihd_app.link.radios import IHD_ADDRESS, OpenRadio, open_radio, set_aside_damaged_bonds
from ihd_app.link.reconnect import ReconnectPolicy, raise_if_cancelled
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.set_aside import SET_ASIDE_EVENT
from ihd_app.service.api import ConnectionProblem
from ihd_app.store.paired_meter import PairedMeterRepository


class RadioLink:
    """Opens the radio, makes the MeterLink on it and connects it to the meter.

    Args:
        radio: Which radio.
        data_dir: Where the bonds are.
        btsnoop: HCI capture.
        address: Connect to this meter when none is paired, instead of the first heard.
        pairing: Who answers pairing questions.
        paired: The paired meter: connected to first, and the meter connected to is kept there.
        on_metering: Receives Metering units (live readings).
        on_message: Receives envelopes from Messages to IHD.
        on_history: Receives History units (the backfill's answers).
        emit: Where DESIGN.md §8 events go.
        changed: Called with a detail whenever the link changed.
        on_ready: The link is ready again (deliver what waited while it was down).
        on_connected: Connected to (and if needed paired with) the meter of this id, proven by
            the handshake, in this session.
        handshake: Proves who the meter is on every connection.
        problem: Why the display is not connected, if someone should know.
        clock: Current time.
        own_address: The display's static random address on Bumble radios (one of its own,
            beside other displays on one meter's air).

    Attributes:
        on_metering, on_message, on_history: Where the next MeterLink sends its units (a
            benchmark counts History units by replacing ``on_history`` before the radio opens).
        radio: The open radio, if any.
        link: The MeterLink on it, if any.
    """

    def __init__(
        self,
        radio: RadioSpec,
        data_dir: Path,
        btsnoop: Path | None,
        address: str | None,
        *,
        pairing: PairingAnswers,
        paired: PairedMeterRepository,
        on_metering: UnitHandler,
        on_message: UnitHandler,
        on_history: UnitHandler,
        emit: Callable[..., Any],
        changed: Callable[[str], None],
        on_ready: Callable[[], None],
        on_connected: Callable[[str, str | None], None],
        problem: Callable[[], ConnectionProblem | None],
        clock: Callable[[], datetime],
        handshake: Handshake | None = None,
        own_address: str = IHD_ADDRESS,
    ) -> None:
        self._spec = radio
        self._own_address = own_address
        self._data_dir = data_dir
        self._btsnoop = btsnoop
        self._address = address
        self._pairing = pairing
        self._paired = paired
        self.on_metering = on_metering
        self.on_message = on_message
        self.on_history = on_history
        self._emit = emit
        self._changed = changed
        self._on_ready = on_ready
        self._on_connected = on_connected
        self._problem = problem
        self._clock = clock
        self._handshake = handshake
        self.radio: OpenRadio | None = None
        self.link: MeterLink | None = None
        self._stopping = False

    def stop(self) -> None:
        """The service is closing: no further connection attempt."""
        self._stopping = True

    def radio_is_open(self) -> bool:
        """Whether the radio is open (there is a MeterLink to use)."""
        return self.link is not None

    async def connect_until_connected(self, search_timeout_s: float = 10.0) -> None:
        """Connect to the paired meter, else ``address``, else the first meter heard,
        retrying with backoff until connected.

        Raises:
            PairingRefusedError: Pairing was refused; retrying would not help until someone acts.
        """
        link = self.link
        assert link is not None
        backoff = ReconnectPolicy(initial_s=0.5, max_s=10.0)
        rng = random.Random()  # noqa: S311 - jitter, not a secret
        attempt = 0
        while link.state is not LinkState.CONNECTED:
            # A cancellation swallowed by an inner wait_for (Python 3.11) must still end this.
            raise_if_cancelled()
            if self._stopping:
                raise asyncio.CancelledError
            known = self._paired.get()
            target: ScanResult | str | None = known.address if known else self._address
            try:
                if target is None:
                    self._emit("link.searching", radio=str(self._spec))
                    try:
                        target = await link.find_meter(search_timeout_s)
                    except LinkError as exc:
                        self._emit("link.not-found", detail=str(exc))
                        continue  # scanning again is the backoff: it lasts search_timeout_s
                    self._emit(
                        "link.found", name=target.name, address=target.address, rssi=target.rssi
                    )
                await self.connect(target)
            except PairingRefusedError:
                raise
            except LinkError as exc:
                delay = backoff.delay(min(attempt, 6), rng)
                attempt += 1
                self._emit("link.connect-failed", detail=str(exc), retry_in_s=delay)
                self._changed("connect failed")
                await asyncio.sleep(delay)  # backoff between attempts

    async def open_radio(self) -> None:
        """(Re)open the radio and make a new MeterLink on it.

        The rest of the display keeps working while the radio is away: messages start, show,
        expire and are acknowledged, and replies wait in the outbox.

        Raises:
            IhdError: The radio cannot be opened.
        """
        damaged = set_aside_damaged_bonds(self._data_dir)
        if damaged is not None:
            self._emit(SET_ASIDE_EVENT, **damaged.event_fields())
        self.radio = await open_radio(
            self._spec,
            data_dir=self._data_dir,
            pairing=self._pairing,
            btsnoop=self._btsnoop,
            address=self._own_address,
        )
        self.link = MeterLink(
            self.radio.backend,
            emit=self._link_event,
            on_metering=self.on_metering,
            on_message=self.on_message,
            on_history=self.on_history,
            handshake=self._handshake,
        )

    async def close_radio(self) -> None:
        """Close the link and the radio (after the radio was lost, or before reopening it)."""
        link, self.link = self.link, None
        radio, self.radio = self.radio, None
        if link is not None:
            await link.close()
        if radio is not None:
            await radio.close()
        self._changed("radio closed")

    async def link_refused(self) -> PairingRefusedError:
        """Return the refusal that ended the link's reconnecting by itself."""
        assert self.link is not None
        return await self.link.refused()

    async def radio_lost(self) -> None:
        """Return when the radio goes away."""
        assert self.radio is not None
        await self.radio.lost()

    def _link_event(self, event: str, **fields: Any) -> None:
        self._emit(event, **fields)
        if event == "link.ready":
            self._on_ready()  # deliver what waited while the link was down
        self._changed(event)

    async def scan(self, timeout_s: float = 5.0) -> Sequence[ScanResult]:
        """Look for meters.

        Raises:
            LinkError: The radio is not open (with the reason it could not be opened).
        """
        return await self._open_link().scan(timeout_s)

    def _open_link(self) -> MeterLink:
        if self.link is None:
            problem = self._problem()
            raise LinkError(
                "the radio is not open yet"
                + (f" ({problem.detail})" if problem is not None else "")
                + "; the display keeps trying and connects when the meter appears"
            )
        return self.link

    async def connect(self, target: ScanResult | str) -> None:
        """Connect to (and if needed pair with) a meter, then tell ``on_connected``.

        Raises:
            LinkError: The connection failed; PairingRefusedError if pairing was refused.
        """
        device = target.device if isinstance(target, ScanResult) else target
        await self._open_link().connect(device)
        assert self.link is not None
        info = self.link.meter_info
        assert info is not None
        verified = self.link.verified_meter
        # Only what the handshake proved is kept: Meter Info is the meter's unproven claim.
        meter_id = verified.meter_id if verified is not None else info.meter_id
        fingerprint = (
            bytes.fromhex(verified.fingerprint) if verified is not None else info.certificate_sha256
        )
        now = self._clock()
        known = self._paired.get()
        client_address = self.link.address or ""
        if known is None or known.meter_id != meter_id or known.certificate_sha256 != fingerprint:
            self._paired.save(
                PairedMeter(
                    address=client_address,
                    meter_id=meter_id,
                    name=info.name,
                    certificate_sha256=fingerprint,
                    paired_at=known.paired_at if known is not None else now,
                    last_seen=now,
                )
            )
        else:
            self._paired.touch(now)
        self._on_connected(meter_id, verified.session if verified is not None else None)
