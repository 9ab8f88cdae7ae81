"""The meter's GATT profile as plain data: service and characteristic UUIDs, properties, ATT sizes.

The meter exposes one primary service with a 128-bit UUID of ours and five characteristics
(DESIGN.md §5). This module declares them as constants and frozen records, with no BLE stack
imported, so the emulator's Bumble GATT server, the IHD's bleak client, the conformance runner and
the firmware documentation all read the same table.

Every characteristic requires an authenticated, encrypted link: the meter answers any access over
an unpaired or unauthenticated link with the ATT error Insufficient Authentication (0x05).

All UUIDs share one random base, ``3476xxxx-6a4b-4f36-bb20-7c1b47cb289e``; the ``xxxx`` field
numbers them (``0001`` the service, ``0002`` onwards the characteristics). The base was drawn at
random (version 4) once and is fixed forever: it is what devices in the field look for.

Property names are spelled as bleak (and BlueZ) report them, so a client can compare
``set(char.properties)`` from discovery against :attr:`CharacteristicSpec.properties` directly.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Version of this profile; Meter Info reports it so the IHD can refuse a profile it does not know.
PROFILE_VERSION = 1

#: The meter advertises a complete local name starting with this, e.g. ``IHD-Meter 0A1B``.
ADVERTISED_NAME_PREFIX = "IHD-Meter"

#: Every characteristic needs an authenticated (MITM-protected), encrypted link: the messages it
#: carries are only trustworthy between the paired meter and display.
REQUIRES_AUTHENTICATION = True
#: An authenticated link is always encrypted; stated separately for GATT servers that ask for both.
REQUIRES_ENCRYPTION = True

#: ATT error code for access over a link that is not authenticated (Core spec Vol 3 Part F 3.4.1.1).
ATT_ERROR_INSUFFICIENT_AUTHENTICATION = 0x05
#: ATT error code for access over a link that is not encrypted.
ATT_ERROR_INSUFFICIENT_ENCRYPTION = 0x0F

#: ATT MTU every LE link starts with, before an MTU exchange.
DEFAULT_ATT_MTU = 23
#: ATT MTU we ask for: 247 fills one LE Data Length Extension PDU (BLE 4.2+, 251-byte payload
#: minus the 4-byte L2CAP header), so each notification goes out in a single link-layer packet.
PREFERRED_ATT_MTU = 247
#: Largest ATT MTU in common use (Android's: a 512-byte value plus Prepare Write's 5-byte header).
MAX_ATT_MTU = 517
#: Bytes of ATT opcode and handle in front of every notification, indication and write value.
ATT_HEADER = 3
#: No attribute value may be longer than this (Core spec Vol 3 Part F 3.2.9), whatever the MTU.
MAX_ATTRIBUTE_VALUE_BYTES = 512

#: Property names a characteristic may declare (bleak's spelling). "write" is write with response.
VALID_PROPERTIES = frozenset({"read", "write", "write-without-response", "notify", "indicate"})

_UUID_PREFIX = "3476"
_UUID_SUFFIX = "-6a4b-4f36-bb20-7c1b47cb289e"


def _profile_uuid(number: int) -> str:
    # One helper so every UUID of the profile provably shares the base.
    return f"{_UUID_PREFIX}{number:04x}{_UUID_SUFFIX}"


#: The meter's primary service.
SERVICE_UUID = _profile_uuid(0x0001)
#: Meter Info (read).
METER_INFO_UUID = _profile_uuid(0x0002)
#: Metering (notify).
METERING_UUID = _profile_uuid(0x0003)
#: Messages to IHD (indicate).
MESSAGES_TO_IHD_UUID = _profile_uuid(0x0004)
#: IHD to Meter (write with response).
IHD_TO_METER_UUID = _profile_uuid(0x0005)
#: History (notify).
HISTORY_UUID = _profile_uuid(0x0006)


@dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    """One characteristic of the meter's service.

    Attributes:
        name: Human name used in the design, documentation and logs ("Meter Info").
        uuid: 128-bit UUID in lower-case canonical string form, as Bumble and bleak accept it.
        properties: GATT properties in bleak's spelling: ``read``, ``write`` (with response),
            ``write-without-response``, ``notify``, ``indicate``.
        description: What the characteristic is for, one sentence.
        carries: What each value on the air contains.
    """

    name: str
    uuid: str
    properties: frozenset[str]
    description: str
    carries: str

    def __post_init__(self) -> None:
        unknown = self.properties - VALID_PROPERTIES
        if unknown or not self.properties:
            raise ValueError(f"{self.name}: invalid GATT properties {sorted(self.properties)}")


#: The profile, in handle order. A GATT server builds its service from this tuple; a client checks
#: a discovered service against it.
CHARACTERISTICS: tuple[CharacteristicSpec, ...] = (
    CharacteristicSpec(
        name="Meter Info",
        uuid=METER_INFO_UUID,
        properties=frozenset({"read"}),
        description="Identifies the meter and the profile version it speaks.",
        carries="CBOR map: meter id (EUI-64), fuels, profile version, meter certificate.",
    ),
    CharacteristicSpec(
        name="Metering",
        uuid=METERING_UUID,
        properties=frozenset({"notify"}),
        description="Live consumption readings, per fuel.",
        carries="Segmented units: ZCL Metering (0x0702) Report Attributes, e.g. "
        "InstantaneousDemand and CurrentSummationDelivered with Multiplier/Divisor.",
    ),
    CharacteristicSpec(
        name="Messages to IHD",
        uuid=MESSAGES_TO_IHD_UUID,
        properties=frozenset({"indicate"}),
        description="Operator, supplier and meter messages for the display, confirmed by ATT.",
        carries="Segmented units: COSE_Sign1 signed envelopes whose payload is a ZCL unit.",
    ),
    CharacteristicSpec(
        name="IHD to Meter",
        uuid=IHD_TO_METER_UUID,
        properties=frozenset({"write"}),
        description="The display's receipts, acknowledgements, errors and requests to the meter.",
        carries="Segmented units: IHD-signed envelopes (receipts, MessageConfirmation, error "
        "notifications, consent changes, history requests).",
    ),
    CharacteristicSpec(
        name="History",
        uuid=HISTORY_UUID,
        properties=frozenset({"notify"}),
        description="Backfill of half-hourly consumption history.",
        carries="Segmented units: ZCL Metering (0x0702) GetProfileResponse blocks.",
    ),
)


def characteristic(name: str) -> CharacteristicSpec:
    """Return the characteristic with this exact name.

    Args:
        name: The characteristic's name as in DESIGN.md §5, e.g. ``"Messages to IHD"``.

    Returns:
        The characteristic's specification.

    Raises:
        KeyError: No characteristic has that name (a programming error, not a wire error).
    """
    for spec in CHARACTERISTICS:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in CHARACTERISTICS)
    raise KeyError(f"no characteristic named {name!r}; the profile has: {known}")


def characteristic_by_uuid(uuid: str) -> CharacteristicSpec | None:
    """Return the characteristic with this UUID, or ``None`` if it is not part of the profile.

    Args:
        uuid: A 128-bit UUID string in any letter case, as a discovery API reports it.

    Returns:
        The characteristic's specification, or ``None`` for a UUID outside the profile.
    """
    wanted = uuid.strip().lower()
    for spec in CHARACTERISTICS:
        if spec.uuid == wanted:
            return spec
    return None
