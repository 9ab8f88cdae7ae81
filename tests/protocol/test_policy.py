"""The authorisation policy is configuration the display's security rests on (seed Table 1 and
Table 2: "incorrect configuration of validation rules"): the shipped file grants what DESIGN.md
§6 says and no more, and a policy file with a mistake is refused as a whole, never half-read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki import Role
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.resources import default_policy_path

#: DESIGN.md §6: who may originate the messages the display shows.
DESIGN_GRANTS = {
    Role.DNO: {"outage.planned", "outage.emergency", "outage.restored", "tariff.price"},
    Role.GDN: {"gas.message", "gas.supply-disabled", "safety.alarm"},
    Role.SUPPLIER: {"tariff.price", "message.general"},
    Role.METER: {
        "power.threshold-warning",
        "power.threshold-cleared",
        "supply.interrupted",
        "supply.restored",
        "outage.restored",
        "safety.alarm",
    },
}
#: What only the display itself may send (its replies and requests).
DISPLAY_ONLY = {"message.receipt", "message.displayed", "message.confirmation", "history.request"}


def test_shipped_policy_grants_what_the_design_says_and_no_more() -> None:
    policy = Policy.from_file(default_policy_path())
    for role, types in DESIGN_GRANTS.items():
        assert types <= policy.permissions[role], role
    # Safety and outage messages cannot come from a supplier, nor gas ones from a DNO.
    assert not policy.allows(Role.SUPPLIER, "outage.planned")
    assert not policy.allows(Role.SUPPLIER, "safety.alarm")
    assert not policy.allows(Role.DNO, "gas.supply-disabled")
    assert not policy.allows(Role.GDN, "outage.emergency")
    # Only a DNO configures the meter's threshold; nobody but the display speaks for it.
    assert [r for r in Role if policy.allows(r, "power.threshold-set")] == [Role.DNO]
    for type_name in DISPLAY_ONLY:
        assert [r for r in Role if policy.allows(r, type_name)] == [Role.IHD], type_name
    assert not policy.permissions[Role.IHD] & set().union(*DESIGN_GRANTS.values())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('version = 2\n[roles.dno]\nmay_send = ["outage.planned"]\n', "version must be 1"),
        ("version = 1\n", "no [roles.<role>] tables"),
        ('version = 1\n[roles.hacker]\nmay_send = ["outage.planned"]\n', "unknown role 'hacker'"),
        ('version = 1\n[roles.dno]\nmay_send = ["outage.plan"]\n', "unknown message type"),
        ('version = 1\n[roles.dno]\nmay_send = "outage.planned"\n', "must be a list"),
        ("version = 1\n[roles.dno\n", "not valid TOML"),
    ],
)
def test_a_policy_with_a_mistake_is_refused_with_the_reason(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(complaint)):
        Policy.from_file(path)


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        Policy.from_file(tmp_path / "absent.toml")
