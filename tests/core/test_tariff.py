"""Tariffs from price messages, rates by local time of day, and costs (hand-computed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from ihd_app.core.model import Interval, RateBand, Tariff
from ihd_app.core.readings import GAS_KWH_PER_M3, Fuel
from ihd_app.core.tariff import (
    TariffError,
    apply_price,
    apply_tariff_information,
    cost_pence,
    cost_per_hour_pence,
    energy_cost_pence,
    flat_tariff,
    next_price_change,
    parse_bands,
    price_at,
    standing_charge_pence,
    tariff_from_verified,
)
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.verification import VerifiedMessage, Verifier
from ihd_app.protocol.zcl import PublishPrice, PublishTariffInformation, UnitOfMeasure
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from tests.support import METER_ID, NOW

Identities = Callable[[str], Identity]
HALF_HOUR = timedelta(minutes=30)
HOUR = timedelta(hours=1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

#: Off-peak 00:00-07:00 10p, Peak 16:00-19:00 40p, Standard otherwise 25p; 50p a day.
TOU = Tariff(
    Fuel.ELECTRICITY,
    "Demo TOU",
    (
        RateBand("Off-peak", time(0), time(7), 10.0),
        RateBand("Standard", time(7), time(16), 25.0),
        RateBand("Peak", time(16), time(19), 40.0),
        RateBand("Standard", time(19), time(0), 25.0),
    ),
    50.0,
    EPOCH,
)


def usage_at(local_hour: float) -> float:
    """kWh in a half hour starting at ``local_hour``: 0.2 off-peak, 1.0 peak, 0.5 otherwise."""
    if local_hour < 7:
        return 0.2
    if 16 <= local_hour < 19:
        return 1.0
    return 0.5


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- costs --------------------------------------------------------------------------------------


def test_a_winter_tou_day() -> None:
    # GMT: local time is UTC. 14 off-peak half hours x 0.2 kWh x 10p = 28p; 6 peak x 1.0 x 40p
    # = 240p; 28 standard x 0.5 x 25p = 350p; energy 618p, plus 50p standing = 668p.
    start = utc(2026, 11, 20)
    intervals = [
        Interval(Fuel.ELECTRICITY, start + k * HALF_HOUR, HALF_HOUR, usage_at(k / 2))
        for k in range(48)
    ]
    assert energy_cost_pence(TOU, intervals) == pytest.approx(618)
    assert cost_pence(TOU, intervals) == pytest.approx(668)


def test_a_summer_tou_day_uses_local_time() -> None:
    # BST: the local day starts at 23:00 UTC the day before; same usage by local hour, same
    # 668p. Reading bands in UTC would put the peak an hour early and give another total.
    start = utc(2026, 7, 14, 23)
    intervals = [
        Interval(Fuel.ELECTRICITY, start + k * HALF_HOUR, HALF_HOUR, usage_at(k / 2))
        for k in range(48)
    ]
    assert cost_pence(TOU, intervals) == pytest.approx(668)


def test_the_short_dst_day() -> None:
    # 29 March 2026: 46 half hours. Local 00:00-01:00 (GMT) then 02:00-24:00 (BST).
    # Off-peak: 2 + 10 = 12 half hours x 0.2 x 10p = 24p; peak 240p; standard 350p;
    # standing: the whole (23-hour) day is one standing charge, 50p. Total 664p.
    start = utc(2026, 3, 29)
    intervals = []
    for k in range(46):
        local_hour = k / 2 + (0 if k < 2 else 1)
        intervals.append(
            Interval(Fuel.ELECTRICITY, start + k * HALF_HOUR, HALF_HOUR, usage_at(local_hour))
        )
    assert cost_pence(TOU, intervals) == pytest.approx(664)


def test_an_interval_is_split_across_bands() -> None:
    # 15:45-16:15 GMT, 1 kWh: half at 25p, half at 40p.
    interval = Interval(Fuel.ELECTRICITY, utc(2026, 11, 20, 15, 45), HALF_HOUR, 1.0)
    assert energy_cost_pence(TOU, [interval]) == pytest.approx(32.5)
    # 18:30-19:30 in summer is 19:30-20:30 BST: all standard.
    summer = Interval(Fuel.ELECTRICITY, utc(2026, 7, 15, 18, 30), HOUR, 1.0)
    assert energy_cost_pence(TOU, [summer]) == pytest.approx(25)


def test_an_interval_across_the_clock_change() -> None:
    # Night 00:00-02:30 local at 10p, Day 25p. 00:30-02:30 UTC on 29 March is local 00:30-01:00
    # GMT then 02:00-03:30 BST: one hour of night, one of day; 2 kWh -> 10p + 25p.
    night = parse_bands([{"name": "Night", "start": "00:00", "end": "02:30", "pence_per_kwh": 10}])
    tariff = apply_price(
        None,
        _price("Day", 25.0),
        fuel=Fuel.ELECTRICITY,
        received_at=EPOCH,
        details={"bands": [_as_detail(b) for b in night]},
    )
    interval = Interval(Fuel.ELECTRICITY, utc(2026, 3, 29, 0, 30), 2 * HOUR, 2.0)
    assert energy_cost_pence(tariff, [interval]) == pytest.approx(35)
    pieces = [
        Interval(Fuel.ELECTRICITY, interval.start + k * HALF_HOUR, HALF_HOUR, 0.5) for k in range(4)
    ]
    assert energy_cost_pence(tariff, pieces) == pytest.approx(35)


def test_a_multi_day_interval() -> None:
    # 3 kWh evenly over three winter days: the day-average rate (7 x 10 + 14 x 25 + 3 x 40) / 24
    # = 22.5p, so 67.5p; plus three standing charges.
    interval = Interval(Fuel.ELECTRICITY, utc(2026, 11, 20), timedelta(days=3), 3.0)
    assert energy_cost_pence(TOU, [interval]) == pytest.approx(67.5)
    assert cost_pence(TOU, [interval]) == pytest.approx(67.5 + 150)


def test_standing_charge_is_pro_rata_per_local_day() -> None:
    assert standing_charge_pence(TOU, utc(2026, 11, 20), utc(2026, 11, 20, 12)) == pytest.approx(25)
    assert standing_charge_pence(TOU, utc(2026, 11, 20), utc(2026, 11, 22)) == pytest.approx(100)
    # The 23-hour and 25-hour days each cost exactly one standing charge.
    spring_start, spring_end = utc(2026, 3, 29), utc(2026, 3, 29, 23)
    assert standing_charge_pence(TOU, spring_start, spring_end) == pytest.approx(50)
    assert standing_charge_pence(TOU, spring_start, utc(2026, 3, 29, 11, 30)) == pytest.approx(25)
    autumn_start, autumn_end = utc(2026, 10, 24, 23), utc(2026, 10, 26)
    assert standing_charge_pence(TOU, autumn_start, autumn_end) == pytest.approx(50)
    assert standing_charge_pence(TOU, utc(2026, 1, 1), utc(2026, 1, 1)) == 0


def test_cost_charges_standing_for_the_time_covered_only() -> None:
    # Data for 00:00-06:00 and 12:00-18:00 (overlapping twice): 12 hours, 25p standing.
    day = utc(2026, 11, 20)
    intervals = [
        Interval(Fuel.ELECTRICITY, day, 6 * HOUR, 0.0),
        Interval(Fuel.ELECTRICITY, day + 12 * HOUR, 6 * HOUR, 0.0),
        Interval(Fuel.ELECTRICITY, day + 13 * HOUR, HOUR, 0.0),
    ]
    assert cost_pence(TOU, intervals) == pytest.approx(25)
    assert cost_pence(TOU, []) == 0


def test_cost_per_hour() -> None:
    flat = flat_tariff(Fuel.ELECTRICITY, 25.0)
    assert cost_per_hour_pence(flat, 2000, NOW) == pytest.approx(50)
    assert cost_per_hour_pence(flat, -800, NOW) == 0, "export is not charged"
    assert cost_per_hour_pence(TOU, 1000, utc(2026, 11, 20, 16, 30)) == pytest.approx(40)
    assert cost_per_hour_pence(TOU, 1000, utc(2026, 7, 20, 15, 30)) == pytest.approx(40)


# -- prices by time -----------------------------------------------------------------------------


def test_price_at_follows_local_time() -> None:
    assert price_at(TOU, utc(2026, 11, 20, 15, 30)).name == "Standard"  # 15:30 GMT
    assert price_at(TOU, utc(2026, 7, 20, 15, 30)).name == "Peak"  # 16:30 BST
    assert price_at(TOU, utc(2026, 11, 20, 6, 59)).name == "Off-peak"
    assert price_at(TOU, utc(2026, 11, 20, 7)).name == "Standard", "end is exclusive"
    assert price_at(TOU, utc(2026, 11, 20, 23, 59)).pence_per_kwh == 25


def test_next_change_across_midnight() -> None:
    economy7 = _tariff_with_bands(
        30.0, [{"name": "Night", "start": "23:00", "end": "07:00", "pence_per_kwh": 12.0}]
    )
    assert price_at(economy7, utc(2026, 11, 20, 23, 30)).name == "Night"
    assert price_at(economy7, utc(2026, 11, 21, 6, 30)).name == "Night"
    change = next_price_change(economy7, utc(2026, 11, 20, 22))
    assert change is not None
    assert change[0] == utc(2026, 11, 20, 23)
    assert change[1].name == "Night"
    # Past midnight the night rate continues: the next change is 07:00.
    change = next_price_change(economy7, utc(2026, 11, 20, 23, 30))
    assert change is not None
    assert change[0] == utc(2026, 11, 21, 7)
    assert (change[1].name, change[1].pence_per_kwh) == ("Day", 30.0)
    # In summer the same wall times are an hour earlier in UTC.
    change = next_price_change(economy7, utc(2026, 7, 20, 21))
    assert change is not None
    assert change[0] == utc(2026, 7, 20, 22)


def test_next_change_when_the_clocks_go_forward() -> None:
    # Night until 01:30 local; on 29 March 01:30 never happens (01:00 GMT -> 02:00 BST), so
    # the day rate starts when the clock jumps, at 01:00 UTC.
    tariff = _tariff_with_bands(
        25.0, [{"name": "Night", "start": "00:00", "end": "01:30", "pence_per_kwh": 10.0}]
    )
    change = next_price_change(tariff, utc(2026, 3, 29, 0, 45))
    assert change is not None
    assert change[0] == utc(2026, 3, 29, 1)
    assert change[1].name == "Standard"


def test_next_change_when_the_clocks_go_back() -> None:
    # On 25 October 01:30 happens twice (BST at 00:30 UTC, GMT at 01:30 UTC). After the first,
    # the wall clock goes back to 01:00 and it is night again until the second 01:30.
    tariff = _tariff_with_bands(
        25.0, [{"name": "Night", "start": "00:00", "end": "01:30", "pence_per_kwh": 10.0}]
    )
    first = next_price_change(tariff, utc(2026, 10, 25, 0, 0))
    assert first is not None
    assert first[0] == utc(2026, 10, 25, 0, 30)
    assert price_at(tariff, utc(2026, 10, 25, 1, 0)).name == "Night"
    second = next_price_change(tariff, utc(2026, 10, 25, 1, 0))
    assert second is not None
    assert second[0] == utc(2026, 10, 25, 1, 30)


def test_a_flat_tariff_never_changes() -> None:
    assert next_price_change(flat_tariff(Fuel.GAS, 6.5), NOW) is None


# -- building from messages ---------------------------------------------------------------------


class _Signer:
    def __init__(self, identities: Identities, verifier: Verifier) -> None:
        self.identities, self.verifier, self.counter = identities, verifier, 0

    def verified(self, request: MessageRequest, signer: str = "supplier") -> VerifiedMessage:
        self.counter += 1
        identity = self.identities(signer)
        payload, details = compose(request)
        claims = new_claims(
            identity,
            request.type_name,
            METER_ID,
            self.counter,
            issued_at=NOW - timedelta(minutes=1),
            details=details,
        )
        verdict = self.verifier.verify(sign_envelope(identity, claims, payload))
        assert verdict.message is not None, verdict.detail
        return verdict.message


def test_a_tariff_from_real_verified_price_messages(
    identities: Identities, verifier: Verifier
) -> None:
    signer = _Signer(identities, verifier)
    flat = signer.verified(MessageRequest("tariff.price", price_pence_per_kwh=24.5))
    tariff = tariff_from_verified(None, flat, received_at=NOW)
    assert tariff.fuel is Fuel.ELECTRICITY
    assert tariff.bands == (RateBand("Standard", time(0), time(0), 24.5),)
    assert tariff.standing_charge_pence_per_day == 0
    assert tariff.effective_from == NOW

    standing = signer.verified(
        MessageRequest(
            "tariff.price", standing_charge_pence_per_day=60.1, tariff_label="Brightwater Fix"
        )
    )
    tariff = tariff_from_verified(tariff, standing, received_at=NOW)
    assert tariff.name == "Brightwater Fix"
    assert tariff.standing_charge_pence_per_day == pytest.approx(60.1)
    assert tariff.bands == (RateBand("Standard", time(0), time(0), 24.5),)

    # A peak band: a start (16:00 GMT today) and a duration under a day.
    peak = signer.verified(
        MessageRequest(
            "tariff.price",
            price_pence_per_kwh=38.2,
            rate_label="Peak",
            start=utc(2026, 11, 22, 16),
            duration_minutes=180,
        )
    )
    tariff = tariff_from_verified(tariff, peak, received_at=NOW)
    assert [(b.name, b.start, b.end, b.pence_per_kwh) for b in tariff.bands] == [
        ("Standard", time(0), time(16), 24.5),
        ("Peak", time(16), time(19), 38.2),
        ("Standard", time(19), time(0), 24.5),
    ]
    assert tariff.name == "Brightwater Fix"
    assert tariff.standing_charge_pence_per_day == pytest.approx(60.1)


def test_tou_bands_in_the_signed_details(identities: Identities, verifier: Verifier) -> None:
    bands = [
        {"name": "Off-peak", "start": "00:30", "end": "07:30", "pence_per_kwh": 9.5},
        {"name": "Peak", "start": "16:00", "end": "19:00", "pence_per_kwh": 38.2},
    ]
    verified = _Signer(identities, verifier).verified(
        MessageRequest(
            "tariff.price",
            price_pence_per_kwh=24.5,
            rate_label="Day",
            extra_details={"bands": bands},  # type: ignore[dict-item]
        )
    )
    tariff = tariff_from_verified(None, verified, received_at=NOW)
    assert [(b.name, f"{b.start:%H:%M}-{b.end:%H:%M}") for b in tariff.bands] == [
        ("Day", "00:00-00:30"),
        ("Off-peak", "00:30-07:30"),
        ("Day", "07:30-16:00"),
        ("Peak", "16:00-19:00"),
        ("Day", "19:00-00:00"),
    ]


def test_gas_price_per_cubic_metre_is_per_kwh() -> None:
    price = PublishPrice(
        provider_id=1,
        rate_label="Gas",
        issuer_event_id=1,
        current_time=0,
        unit_of_measure=UnitOfMeasure.M3,
        price_trailing_digit=4,
        price_tier=1,
        number_of_price_tiers=1,
        register_tier=1,
        start_time=0,
        duration_minutes=0xFFFF,
        price=650_000,
    )
    tariff = apply_price(None, price, fuel=Fuel.GAS, received_at=NOW)
    assert tariff.bands[0].pence_per_kwh == pytest.approx(65 / GAS_KWH_PER_M3)


def test_a_summer_band_is_read_in_local_time() -> None:
    base = flat_tariff(Fuel.ELECTRICITY, 25.0)
    # 15:00 UTC in July is 16:00 BST.
    tariff = apply_price(
        base,
        _price("Peak", 40.0, start=utc(2026, 7, 15, 15), minutes=180),
        fuel=Fuel.ELECTRICITY,
        received_at=NOW,
    )
    assert [(b.name, b.start) for b in tariff.bands] == [
        ("Standard", time(0)),
        ("Peak", time(16)),
        ("Standard", time(19)),
    ]
    # A flat price replaces every band.
    tariff = apply_price(tariff, _price("Flat", 30.0), fuel=Fuel.ELECTRICITY, received_at=NOW)
    assert tariff.bands == (RateBand("Flat", time(0), time(0), 30.0),)


def test_a_first_band_assumes_its_price_for_the_rest_of_the_day() -> None:
    tariff = apply_price(
        None,
        _price("Peak", 40.0, start=utc(2026, 11, 22, 16), minutes=60),
        fuel=Fuel.ELECTRICITY,
        received_at=NOW,
    )
    assert {b.name for b in tariff.bands} == {"Peak", "Standard"}
    assert {b.pence_per_kwh for b in tariff.bands} == {40.0}


def test_standing_charge_trailing_digit_in_either_nibble() -> None:
    for digits in (0x04, 0x40):
        information = PublishTariffInformation(
            provider_id=1,
            issuer_event_id=1,
            issuer_tariff_id=1,
            start_time=0,
            tariff_type=0,
            tariff_label="Fix",
            number_of_price_tiers_in_use=1,
            number_of_block_thresholds_in_use=0,
            price_trailing_digit=digits,
            standing_charge=601_000,
            tier_block_mode=0,
        )
        tariff = apply_tariff_information(None, information, fuel=Fuel.ELECTRICITY, received_at=NOW)
        assert tariff.standing_charge_pence_per_day == pytest.approx(60.1)
        assert tariff.bands == ()
        with pytest.raises(TariffError, match="no unit rate"):
            price_at(tariff, NOW)
        assert cost_pence(
            tariff, [Interval(Fuel.ELECTRICITY, utc(2026, 11, 20), timedelta(days=1), 0.0)]
        ) == pytest.approx(60.1)


def test_refusals() -> None:
    with pytest.raises(TariffError, match="currency"):
        apply_price(None, _price("X", 1.0, currency=840), fuel=Fuel.ELECTRICITY, received_at=NOW)
    with pytest.raises(TariffError, match="0 minutes"):
        apply_price(
            None,
            _price("X", 1.0, start=NOW, minutes=0),
            fuel=Fuel.ELECTRICITY,
            received_at=NOW,
        )
    with pytest.raises(TariffError, match="gas price cannot update"):
        apply_price(TOU, _price("X", 1.0), fuel=Fuel.GAS, received_at=NOW)
    with pytest.raises(TariffError) as raised:
        apply_price(
            None, _price("X", 1.0, unit=UnitOfMeasure.BTU), fuel=Fuel.ELECTRICITY, received_at=NOW
        )
    assert isinstance(raised.value, IhdError)


@pytest.mark.parametrize(
    ("bands", "complaint"),
    [
        ([], "non-empty"),
        ("Peak", "non-empty"),
        ([{"name": "A", "start": "16:00", "end": "19:00"}], "pence_per_kwh"),
        ([{"name": "A", "start": "16:00", "end": "19:00", "pence_per_kwh": True}], "pence"),
        ([{"name": "A", "start": "16:00", "end": "19:00", "pence_per_kwh": -1}], "pence"),
        ([{"name": "", "start": "16:00", "end": "19:00", "pence_per_kwh": 1}], "name"),
        ([{"name": "A", "start": "4pm", "end": "19:00", "pence_per_kwh": 1}], "HH:MM"),
        ([{"name": "A", "start": "24:00", "end": "19:00", "pence_per_kwh": 1}], "time of day"),
        ([{"name": "A", "start": "16:00", "end": "19:60", "pence_per_kwh": 1}], "time of day"),
        (
            [
                {"name": "A", "start": "16:00", "end": "19:00", "pence_per_kwh": 1},
                {"name": "B", "start": "18:00", "end": "20:00", "pence_per_kwh": 1},
            ],
            "overlap",
        ),
        (
            [
                {"name": "A", "start": "22:00", "end": "06:00", "pence_per_kwh": 1},
                {"name": "B", "start": "05:00", "end": "07:00", "pence_per_kwh": 1},
            ],
            "overlap",
        ),
        (["x"], "map"),
    ],
)
def test_bad_detail_bands(bands: object, complaint: str) -> None:
    with pytest.raises(TariffError, match=complaint):
        parse_bands(bands)


def test_detail_band_edge_forms() -> None:
    (whole,) = parse_bands([{"name": "All", "start": "00:00", "end": "24:00", "pence_per_kwh": 5}])
    assert (whole.start, whole.end) == (time(0), time(0))
    tariff = Tariff(Fuel.ELECTRICITY, "x", (whole,), 0, EPOCH)
    assert price_at(tariff, NOW).name == "All"


def test_a_tariff_with_a_gap_is_refused() -> None:
    broken = Tariff(Fuel.ELECTRICITY, "x", (RateBand("A", time(0), time(12), 1.0),), 0, EPOCH)
    with pytest.raises(TariffError, match="no band covers 12:00"):
        price_at(broken, NOW)


# -- helpers ------------------------------------------------------------------------------------


def _price(
    label: str,
    pence: float,
    *,
    start: datetime | None = None,
    minutes: int = 0xFFFF,
    currency: int = 826,
    unit: int = UnitOfMeasure.KWH,
) -> PublishPrice:
    return PublishPrice(
        provider_id=1,
        rate_label=label,
        issuer_event_id=1,
        current_time=0,
        unit_of_measure=unit,
        currency=currency,
        price_trailing_digit=4,
        price_tier=1,
        number_of_price_tiers=1,
        register_tier=1,
        start_time=0 if start is None else datetime_to_utc(start),
        duration_minutes=minutes,
        price=round(pence * 10_000),
    )


def _as_detail(band: RateBand) -> dict[str, object]:
    return {
        "name": band.name,
        "start": f"{band.start:%H:%M}",
        "end": f"{band.end:%H:%M}",
        "pence_per_kwh": band.pence_per_kwh,
    }


def _tariff_with_bands(base: float, bands: list[dict[str, object]]) -> Tariff:
    name = "Day" if base == 30.0 else "Standard"
    return apply_price(
        None,
        _price(name, base),
        fuel=Fuel.ELECTRICITY,
        received_at=EPOCH,
        details={"bands": bands},
    )
