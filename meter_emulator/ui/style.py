"""The emulator window's look: a plain engineering console, readable on a projector."""

from __future__ import annotations

#: Qt style sheet of the emulator's window (an immutable string, applied by the window).
STYLE = """
QMainWindow, QWidget { font-size: 10.5pt; }
QFrame[role="strip"] { background: #1f2a36; color: #f2f5f8; border-radius: 6px; }
QFrame[role="strip"] QLabel { color: #f2f5f8; }
QLabel#pairingNumber { font-size: 13pt; color: #ffe08a; }
QLabel[role="title"] { font-size: 14pt; font-weight: 600; }
QLabel#supplyState { font-size: 12pt; font-weight: 600; }
QLabel#supplyState[state="on"] { color: #1b7f3b; }
QLabel#supplyState[state="off"] { color: #b3261e; }
QLabel#operatorResult[tone="good"] { color: #1b7f3b; }
QLabel#operatorResult[tone="bad"] { color: #b3261e; }
QLabel[role="notice"] { color: #a15c00; }
QLabel#attackSummary { font-weight: 600; }
QGroupBox { font-weight: 600; margin-top: 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QGroupBox QLabel, QGroupBox QPushButton, QGroupBox QComboBox { font-weight: normal; }
QPushButton { padding: 5px 12px; }
QPushButton#runAllAttacks { font-weight: 600; }
QTabBar::tab { padding: 6px 14px; }
"""
