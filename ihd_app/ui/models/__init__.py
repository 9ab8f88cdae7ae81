"""Qt item models over the service's snapshots, testable without widgets."""

from ihd_app.ui.models.events import EventFilter, EventTableModel
from ihd_app.ui.models.inbox import InboxModel, MessageListModel, PastMessagesModel
from ihd_app.ui.models.roles import ItemRole
from ihd_app.ui.models.scan_results import ScanResultsModel
from ihd_app.ui.models.security_log import SecurityLogModel
from ihd_app.ui.models.tariff_bands import TariffBandsModel

__all__ = [
    "EventFilter",
    "EventTableModel",
    "InboxModel",
    "ItemRole",
    "MessageListModel",
    "PastMessagesModel",
    "ScanResultsModel",
    "SecurityLogModel",
    "TariffBandsModel",
]
