"""Messages: the inbox and past messages, with every verified detail and the state history."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ihd_app.core.model import InboxMessage
from ihd_app.service.api import Topic
from ihd_app.ui import text
from ihd_app.ui.context import UiContext
from ihd_app.ui.icons import message_icon_name, pixmap
from ihd_app.ui.models.inbox import InboxModel, MessageListModel, PastMessagesModel
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.theme import set_style_property
from ihd_app.ui.widgets.message_delegate import MessageDelegate


class MessageDetail(QWidget):
    """Everything about one message."""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.message: InboxMessage | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.icon = QLabel(self)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(self)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        self.importance = QLabel(self)
        top.addWidget(self.importance, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.body = QLabel(self)
        self.body.setObjectName("MessageText")
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body)
        self.sender_label = QLabel(self)
        self.sender_label.setObjectName("MessageSender")
        self.sender_label.setProperty("role", "verified")
        self.sender_label.setWordWrap(True)
        layout.addWidget(self.sender_label)
        self.sender_id = QLabel(self)
        self.sender_id.setProperty("role", "muted")
        self.sender_id.setWordWrap(True)
        layout.addWidget(self.sender_id)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.times: dict[str, QLabel] = {}
        self._captions: dict[str, QLabel] = {}
        for row, name in enumerate(("Power off", "Received", "Starts", "Ends", "State")):
            caption = QLabel(name, self)
            caption.setProperty("role", "muted")
            value = QLabel(self)
            value.setWordWrap(True)
            # Caption and value share the first line's baseline (their fonts differ).
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignBaseline)
            grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignBaseline)
            self.times[name] = value
            self._captions[name] = caption
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        history_caption = QLabel("History", self)
        history_caption.setProperty("role", "muted")
        layout.addWidget(history_caption)
        self.history = QLabel(self)
        self.history.setObjectName("MessageHistory")
        self.history.setWordWrap(True)
        layout.addWidget(self.history)
        layout.addStretch(1)
        # Outside the scrolling text (the screen places it), so it is always in reach.
        self.acknowledge = QPushButton("Acknowledge", None)
        self.acknowledge.setObjectName("Acknowledge")
        self.acknowledge.setProperty("role", "primary")
        self.show_message(None)

    def show_message(self, message: InboxMessage | None) -> None:
        """Show ``message`` (``None``: nothing selected)."""
        self.message = message
        for child in (self.sender_label, self.sender_id, self.importance, self.history):
            child.setVisible(message is not None)
        if message is None:
            self.title.setText("No message selected")
            self.body.setText("")
            self.icon.clear()
            for label in self.times.values():
                label.setText("–")
            self._show_time("Power off", False)
            self.acknowledge.hide()
            return
        palette = self.context.theme.palette
        size = self.context.theme.sizes.px("big")
        self.icon.setPixmap(
            pixmap(message_icon_name(message.type), palette.hex("heading"), 64).scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.title.setText(message.title)
        self.importance.setText(message.importance.value.upper())
        set_style_property(self.importance, "importance", message.importance.value)
        self.body.setText(message.text)
        self.sender_label.setText(
            f"✔ Verified sender: {message.originator_name}\n{text.role_name(message.role)}"
        )
        self.sender_id.setText(
            f"Certificate identity {message.originator_id} · message id 0x{message.message_id:08X}"
        )
        now = self.context.clock()
        outage = text.outage_window(message.details, now)
        self.times["Power off"].setText(outage or "")
        self.times["Received"].setText(text.when(message.received_at, now))
        self.times["Starts"].setText(text.when(message.start_at, now))
        self.times["Ends"].setText(text.when(message.end_at, now))
        self.times["State"].setText(message.state.value.capitalize())
        # Only what adds something: a start that is the arrival, or no outage, takes no line.
        starts_later = message.start_at - message.received_at >= timedelta(minutes=1)
        self._show_time("Power off", outage is not None)
        self._show_time("Starts", starts_later)
        self.history.setText(
            "\n".join(
                f"{text.when(change.at, now)} · {change.state.value}"
                + (f" — {change.note}" if change.note else "")
                for change in message.history
            )
            or "–"
        )
        needs_ack = message.state.is_current and message.confirmation_required
        self.acknowledge.setVisible(needs_ack)
        self.acknowledge.setEnabled(needs_ack)

    def _show_time(self, name: str, visible: bool) -> None:
        self._captions[name].setVisible(visible)
        self.times[name].setVisible(visible)


class MessagesScreen(Screen):
    """Current and past messages side by side with the selected message's details."""

    topics = frozenset({Topic.INBOX})
    label = "Messages"
    icon_name = "messages"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        switch = QHBoxLayout()
        self.current_button = QPushButton("Current", self)
        self.current_button.setObjectName("ShowCurrent")
        self.past_button = QPushButton("Past", self)
        self.past_button.setObjectName("ShowPast")
        group = QButtonGroup(self)
        for button in (self.current_button, self.past_button):
            button.setCheckable(True)
            group.addButton(button)
            switch.addWidget(button)
        switch.addStretch(1)
        self.current_button.setChecked(True)
        self.layout_.addLayout(switch)
        self.inbox_model = InboxModel(context.service, self, clock=context.clock)
        self.past_model = PastMessagesModel(context.service, self, clock=context.clock)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.list = QListView(splitter)
        self.list.setObjectName("MessageList")
        self.list.setAccessibleName("Messages")
        self.list.setItemDelegate(MessageDelegate(context.theme, self.list))
        self.list.setUniformItemSizes(True)
        self.list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Over the list's viewport and as big as it whatever the splitter does (a label sized
        # once was cut to "o messag" when the list narrowed on a small panel).
        self.empty = QLabel("No messages", self.list.viewport())
        self.empty.setObjectName("NoMessages")
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.list.viewport().installEventFilter(self)
        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail = MessageDetail(context, scroll)
        scroll.setWidget(self.detail)
        right_layout.addWidget(scroll, 1)
        self.detail.acknowledge.setParent(right)
        right_layout.addWidget(self.detail.acknowledge)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([4000, 6000])
        self.layout_.addWidget(splitter, 1)
        self._model: MessageListModel = self.inbox_model
        self._set_model(self.inbox_model)
        self.current_button.clicked.connect(lambda: self._set_model(self.inbox_model))
        self.past_button.clicked.connect(lambda: self._set_model(self.past_model))
        self.detail.acknowledge.clicked.connect(self._acknowledge)
        self.refresh(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list.viewport() and event.type() == QEvent.Type.Resize:
            self.empty.setGeometry(self.list.viewport().rect())
        return super().eventFilter(watched, event)

    @property
    def model(self) -> MessageListModel:
        """The model shown (current or past)."""
        return self._model

    def _set_model(self, model: MessageListModel) -> None:
        self._model = model
        self.list.setModel(model)
        selection = self.list.selectionModel()
        selection.currentChanged.connect(lambda current, _previous: self._show_row(current.row()))
        self._select(0)

    def refresh(self, topic: Topic | None = None) -> None:
        selected = self.detail.message.key if self.detail.message else None
        self.inbox_model.refresh()
        self.past_model.refresh()
        count = self.inbox_model.rowCount()
        self.current_button.setText(f"Current ({count})")
        self.past_button.setText(f"Past ({self.past_model.rowCount()})")
        row = self._model.row_of(selected) if selected else -1
        self._select(max(row, 0))

    def select_key(self, key: str) -> None:
        """Show message ``key`` (switching to the current list)."""
        if self._model is not self.inbox_model:
            self.current_button.setChecked(True)
            self._set_model(self.inbox_model)
        self._select(max(self.inbox_model.row_of(key), 0))

    def _select(self, row: int) -> None:
        count = self._model.rowCount()
        self.empty.setVisible(count == 0)
        self.empty.setGeometry(self.list.viewport().rect())
        if count == 0:
            self.detail.show_message(None)
            return
        index = self._model.index(min(row, count - 1), 0)
        self.list.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self._show_row(index.row())

    def _show_row(self, row: int) -> None:
        self.detail.show_message(self._model.message(row))

    def _acknowledge(self) -> None:
        message = self.detail.message
        if message is None:
            return
        self.detail.acknowledge.setEnabled(False)
        self.context.runner.run(
            f"Acknowledging “{message.title}”", self.context.service.acknowledge(message.key)
        )
