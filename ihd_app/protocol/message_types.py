"""The message types an envelope's ``type`` claim can name, and the ZCL commands each carries.

The type is what the authorisation policy is written in ("a supplier may send ``tariff.price``");
the ZCL command in the payload must be one the type allows, so a signer authorised for a tariff
cannot smuggle a DisplayMessage under that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PRICE = 0x0700
METERING = 0x0702
MESSAGING = 0x0703
CALENDAR = 0x0707
DRLC = 0x0701
PREPAYMENT = 0x0705

CLUSTER_SPECIFIC = 1
GLOBAL = 0
CLIENT_TO_SERVER = 0
SERVER_TO_CLIENT = 1


class Flow(StrEnum):
    """Which way a message type travels."""

    TO_IHD = "to-ihd"
    """Shown on the display (forwarded by the meter)."""
    TO_METER = "to-meter"
    """A command for the meter from an operator."""
    FROM_IHD = "from-ihd"
    """Sent by the display: receipts, acknowledgements, error notifications, consent."""
    SESSION = "session"
    """The meter's answer in the link's handshake: checked by the display before it uses the
    link, never shown (:mod:`ihd_app.protocol.session`)."""
    TO_OPERATOR = "to-operator"
    """Sent by the meter to the operator that owns an event (alerts,
    :mod:`ihd_app.protocol.alerts`); never on the HAN, checked by the operator."""


@dataclass(frozen=True)
class Command:
    """A ZCL command identity: (cluster, frame type, direction, command id)."""

    cluster_id: int
    frame_type: int
    direction: int
    command_id: int
    name: str


DISPLAY_MESSAGE = Command(MESSAGING, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x00, "DisplayMessage")
CANCEL_MESSAGE = Command(MESSAGING, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x01, "CancelMessage")
CANCEL_ALL_MESSAGES = Command(
    MESSAGING, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x03, "CancelAllMessages"
)
MESSAGE_CONFIRMATION = Command(
    MESSAGING, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x01, "MessageConfirmation"
)
PUBLISH_PRICE = Command(PRICE, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x00, "PublishPrice")
PUBLISH_TARIFF_INFORMATION = Command(
    PRICE, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x04, "PublishTariffInformation"
)
PUBLISH_PRICE_MATRIX = Command(
    PRICE, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x05, "PublishPriceMatrix"
)
PUBLISH_BLOCK_THRESHOLDS = Command(
    PRICE, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x06, "PublishBlockThresholds"
)
#: The Calendar cluster's server-to-client publications: a time-of-use calendar in pieces.
CALENDAR_COMMANDS = tuple(
    Command(CALENDAR, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, command_id, name)
    for command_id, name in enumerate(
        (
            "PublishCalendar",
            "PublishDayProfile",
            "PublishWeekProfile",
            "PublishSeasons",
            "PublishSpecialDays",
        )
    )
)
#: Everything one tariff is made of: a ``tariff.price`` envelope carries one of them. They share a
#: type because they share an authorisation (whoever may set prices may say when they apply) and a
#: destination (the fuel's tariff); a type per command would only multiply policy lines.
TARIFF_COMMANDS = (
    PUBLISH_PRICE,
    PUBLISH_TARIFF_INFORMATION,
    PUBLISH_PRICE_MATRIX,
    PUBLISH_BLOCK_THRESHOLDS,
    *CALENDAR_COMMANDS,
)
#: Demand Response and Load Control (0x0701), server to client: a flexibility event and its
#: withdrawal. One type, as for tariffs: whoever may schedule an event may withdraw it.
DEMAND_EVENT_COMMANDS = (
    Command(DRLC, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x00, "LoadControlEvent"),
    Command(DRLC, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x01, "CancelLoadControlEvent"),
    Command(DRLC, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x02, "CancelAllLoadControlEvents"),
)
REPORT_EVENT_STATUS = Command(DRLC, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x00, "ReportEventStatus")
GET_PROFILE = Command(METERING, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x00, "GetProfile")
#: The head end's command to the supply switch (remote disconnection, arming, a safety clear).
CHANGE_SUPPLY = Command(METERING, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x0B, "ChangeSupply")
#: Error notifications are ZCL Default Responses (general command 0x0B) carrying a ZCL status;
#: they may refer to a command of any of our clusters.
DEFAULT_RESPONSES = tuple(
    Command(cluster, GLOBAL, direction, 0x0B, "DefaultResponse")
    for cluster in (PRICE, METERING, MESSAGING)
    for direction in (CLIENT_TO_SERVER, SERVER_TO_CLIENT)
)

#: Prepayment cluster commands (ZSE 1.4): the display's, the supplier's and the meter's.
SELECT_EMERGENCY_CREDIT = Command(
    PREPAYMENT, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x00, "SelectAvailableEmergencyCredit"
)
CONSUMER_TOP_UP = Command(PREPAYMENT, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x04, "ConsumerTopUp")
CREDIT_ADJUSTMENT = Command(
    PREPAYMENT, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x05, "CreditAdjustment"
)
CHANGE_PAYMENT_MODE = Command(
    PREPAYMENT, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x06, "ChangePaymentMode"
)
PUBLISH_PREPAY_SNAPSHOT = Command(
    PREPAYMENT, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x01, "PublishPrepaySnapshot"
)
CHANGE_DEBT = Command(PREPAYMENT, CLUSTER_SPECIFIC, CLIENT_TO_SERVER, 0x02, "ChangeDebt")
CONSUMER_TOP_UP_RESPONSE = Command(
    PREPAYMENT, CLUSTER_SPECIFIC, SERVER_TO_CLIENT, 0x03, "ConsumerTopUpResponse"
)


@dataclass(frozen=True)
class MessageType:
    """One value of the ``type`` claim.

    Attributes:
        name: The claim value, e.g. ``outage.planned``.
        flow: Which way it travels.
        commands: ZCL commands its payload may carry; empty means the payload is empty and the
            content lives in the ``details`` claim.
        title: How the display names it to a consumer.
    """

    name: str
    flow: Flow
    commands: tuple[Command, ...]
    title: str

    def allows(self, command: Command | None) -> bool:
        """Whether ``command`` (``None`` for an empty payload) fits this type."""
        if command is None:
            return not self.commands
        return any(
            (c.cluster_id, c.frame_type, c.direction, c.command_id)
            == (command.cluster_id, command.frame_type, command.direction, command.command_id)
            for c in self.commands
        )


def _display(name: str, title: str) -> MessageType:
    return MessageType(name, Flow.TO_IHD, (DISPLAY_MESSAGE,), title)


MESSAGE_TYPES: tuple[MessageType, ...] = (
    _display("outage.planned", "Planned power cut"),
    _display("outage.emergency", "Emergency power cut"),
    _display("outage.restored", "Power restored"),
    _display("message.general", "Message"),
    _display("gas.message", "Gas network message"),
    _display("gas.supply-disabled", "Gas supply turned off"),
    _display("safety.alarm", "Safety alarm"),
    _display("power.threshold-warning", "High power use warning"),
    _display("power.threshold-cleared", "Power use back to normal"),
    _display("supply.interrupted", "Electricity supply interrupted"),
    _display("supply.restored", "Electricity supply restored"),
    MessageType(
        "message.cancel", Flow.TO_IHD, (CANCEL_MESSAGE, CANCEL_ALL_MESSAGES), "Message withdrawn"
    ),
    MessageType("tariff.price", Flow.TO_IHD, TARIFF_COMMANDS, "Tariff"),
    MessageType("power.threshold-set", Flow.TO_METER, (), "Maximum power threshold"),
    MessageType("data.request", Flow.TO_METER, (GET_PROFILE,), "Data request"),
    MessageType("data.access", Flow.TO_IHD, (), "Data access by an operator"),
    MessageType("han.device-add", Flow.TO_METER, (), "Display added to the meter"),
    MessageType("han.device-remove", Flow.TO_METER, (), "Display removed from the meter"),
    MessageType("occupier.change", Flow.TO_METER, (), "Change of occupier"),
    MessageType("message.receipt", Flow.FROM_IHD, (MESSAGE_CONFIRMATION,), "Delivery receipt"),
    MessageType("message.displayed", Flow.FROM_IHD, (MESSAGE_CONFIRMATION,), "Message displayed"),
    MessageType("message.confirmation", Flow.FROM_IHD, (MESSAGE_CONFIRMATION,), "Acknowledgement"),
    MessageType("error.notification", Flow.FROM_IHD, DEFAULT_RESPONSES, "Error notification"),
    MessageType("consent.update", Flow.FROM_IHD, (), "Data-sharing consent"),
    MessageType("history.request", Flow.FROM_IHD, (GET_PROFILE,), "History request"),
    MessageType("session.hello", Flow.FROM_IHD, (), "Link handshake (display)"),
    MessageType("session.proof", Flow.SESSION, (), "Link handshake (meter's proof)"),
    MessageType("session.refused", Flow.SESSION, (), "Link handshake refused by the meter"),
    # Remote disconnection and enabling (seed use case 18 steps 5-7): an operator's ChangeSupply
    # for the meter, and the meter's notice to the display that the consumer may switch back on.
    MessageType("supply.disconnect", Flow.TO_METER, (CHANGE_SUPPLY,), "Remote disconnection"),
    MessageType("supply.arm", Flow.TO_METER, (CHANGE_SUPPLY,), "Supply enabled for restoring"),
    MessageType("safety.clear", Flow.TO_METER, (CHANGE_SUPPLY,), "Safety alarm cleared"),
    _display("supply.armed", "Ready to switch your supply back on"),
    MessageType("netdata.request", Flow.TO_METER, (), "Network data request"),
    MessageType("netdata.subscribe", Flow.TO_METER, (), "Network data subscription"),
    MessageType("netdata.unsubscribe", Flow.TO_METER, (), "Network data subscription ended"),
    MessageType("meter.alert", Flow.TO_OPERATOR, (), "Meter alert to an operator"),
    MessageType("demand.event", Flow.TO_IHD, DEMAND_EVENT_COMMANDS, "Flexibility event"),
    MessageType("demand.status", Flow.FROM_IHD, (REPORT_EVENT_STATUS,), "Flexibility event status"),
    MessageType("demand.agreement", Flow.FROM_IHD, (), "Direct control agreement"),
    _display("prepay.alert", "Prepayment"),
    MessageType("prepay.status", Flow.TO_IHD, (PUBLISH_PREPAY_SNAPSHOT,), "Credit balance"),
    MessageType("prepay.topup-result", Flow.TO_IHD, (CONSUMER_TOP_UP_RESPONSE,), "Top-up result"),
    MessageType("prepay.topup", Flow.FROM_IHD, (CONSUMER_TOP_UP,), "Top-up code"),
    MessageType(
        "prepay.emergency-credit", Flow.FROM_IHD, (SELECT_EMERGENCY_CREDIT,), "Emergency credit"
    ),
    MessageType("prepay.restore", Flow.FROM_IHD, (), "Restore the supply"),
    MessageType(
        "prepay.credit-adjustment", Flow.TO_METER, (CREDIT_ADJUSTMENT,), "Top-up by the supplier"
    ),
    MessageType("prepay.payment-mode", Flow.TO_METER, (CHANGE_PAYMENT_MODE,), "Payment mode"),
    MessageType("prepay.debt", Flow.TO_METER, (CHANGE_DEBT,), "Debt and its recovery"),
)


def message_type(name: str) -> MessageType | None:
    """The message type called ``name``, or ``None`` if there is none."""
    return next((t for t in MESSAGE_TYPES if t.name == name), None)


def message_type_names() -> list[str]:
    """Every message type name, in declaration order."""
    return [t.name for t in MESSAGE_TYPES]
