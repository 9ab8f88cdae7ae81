"""ZCL Smart Energy codecs: units, frames and the Price, Metering and Messaging commands.

The usual entry points are :func:`decode_unit` / :func:`encode_unit` and :meth:`Unit.of`; the
command dataclasses live in the cluster modules and are re-exported here.
"""

from ihd_app.protocol.zcl.clusters import (
    CLUSTER_NAMES,
    MESSAGING,
    METERING,
    PRICE,
    DataType,
    Endpoint,
    MeteringAttribute,
    SupplyStatus,
    UnitOfMeasure,
    ZclStatus,
)
from ihd_app.protocol.zcl.frame import (
    Direction,
    FrameType,
    ZclHeader,
    decode_header,
    encode_header,
)
from ihd_app.protocol.zcl.general import AttributeRecord, DefaultResponse, ReportAttributes
from ihd_app.protocol.zcl.messaging import (
    CancelAllMessages,
    CancelMessage,
    DisplayMessage,
    Importance,
    MessageConfirmation,
    MessageControl,
    Transmission,
)
from ihd_app.protocol.zcl.metering import (
    GetProfile,
    GetProfileResponse,
    IntervalChannel,
    ProfileIntervalPeriod,
    ProfileStatus,
    demand_report,
    formatting_report,
    metering_record,
    summation_report,
    supply_status_report,
)
from ihd_app.protocol.zcl.price import PublishPrice, PublishTariffInformation
from ihd_app.protocol.zcl.unit import (
    COMMAND_TYPES,
    Command,
    Frame,
    Unit,
    decode_frame,
    decode_unit,
    encode_frame,
    encode_unit,
)

__all__ = [
    "CLUSTER_NAMES",
    "COMMAND_TYPES",
    "MESSAGING",
    "METERING",
    "PRICE",
    "AttributeRecord",
    "CancelAllMessages",
    "CancelMessage",
    "Command",
    "DataType",
    "DefaultResponse",
    "Direction",
    "DisplayMessage",
    "Endpoint",
    "Frame",
    "FrameType",
    "GetProfile",
    "GetProfileResponse",
    "Importance",
    "IntervalChannel",
    "MessageConfirmation",
    "MessageControl",
    "MeteringAttribute",
    "ProfileIntervalPeriod",
    "ProfileStatus",
    "PublishPrice",
    "PublishTariffInformation",
    "ReportAttributes",
    "SupplyStatus",
    "Transmission",
    "Unit",
    "UnitOfMeasure",
    "ZclHeader",
    "ZclStatus",
    "decode_frame",
    "decode_header",
    "decode_unit",
    "demand_report",
    "encode_frame",
    "encode_header",
    "encode_unit",
    "formatting_report",
    "metering_record",
    "summation_report",
    "supply_status_report",
]
