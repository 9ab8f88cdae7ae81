"""The emulator window's look: a plain engineering console, readable on a projector.

Every font size is a base size times the window's zoom, so View → Presentation size (or
``--presentation``) makes every word of the window larger at once.
"""

from __future__ import annotations

import argparse

#: The text sizes a person can step through with Ctrl+= and Ctrl+- (1.0 is the normal size).
ZOOM_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)
#: View → Presentation size and ``--presentation`` on a 1080-line screen: table text about
#: 21 px, readable from the back of a room on a 1920x1080 projector with the window in half of
#: it. A projector shows any resolution at the same size on the wall, so a 720-line one needs
#: proportionally fewer pixels: :func:`presentation_zoom`.
PRESENTATION_ZOOM = 1.5
_PRESENTATION_LINES = 1080
#: The base point sizes, before the zoom.
_BASE_PT = 10.5
_PAIRING_PT = 13.0
_TITLE_PT = 14.0
_SUPPLY_PT = 12.0

_STYLE = """
QMainWindow, QWidget {{ font-size: {base}pt; }}
QFrame[role="strip"] {{ background: #1f2a36; color: #f2f5f8; border-radius: 6px; }}
QFrame[role="strip"] QLabel {{ color: #f2f5f8; }}
QFrame#PairingWindowBar[open="true"] {{ background: #1d5b3c; }}
QLabel#pairingNumber {{ font-size: {pairing}pt; color: #ffe08a; }}
QLabel[role="title"] {{ font-size: {title}pt; font-weight: 600; }}
QLabel#supplyState {{ font-size: {supply}pt; font-weight: 600; }}
QLabel#supplyState[state="on"] {{ color: #1b7f3b; }}
QLabel#supplyState[state="off"] {{ color: #b3261e; }}
QLabel#operatorResult[tone="good"] {{ color: #1b7f3b; }}
QLabel#operatorResult[tone="bad"] {{ color: #b3261e; }}
QLabel#deviceResult[tone="good"] {{ color: #1b7f3b; }}
QLabel#deviceResult[tone="bad"] {{ color: #b3261e; }}
QLabel#demonstrationResult[tone="good"] {{ color: #1b7f3b; }}
QLabel#demonstrationResult[tone="bad"] {{ color: #b3261e; }}
QLabel[role="notice"] {{ color: #a15c00; }}
QLabel#attackSummary {{ font-weight: 600; }}
QGroupBox {{ font-weight: 600; margin-top: {group_margin}px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
QGroupBox QLabel, QGroupBox QPushButton, QGroupBox QComboBox {{ font-weight: normal; }}
QPushButton {{ padding: 5px 12px; }}
QPushButton#runAllAttacks {{ font-weight: 600; }}
QTabBar::tab {{ padding: 6px 14px; }}
"""


def clamp_zoom(zoom: float) -> float:
    """``zoom`` kept within the steps offered (the smallest to the largest)."""
    return min(max(zoom, ZOOM_STEPS[0]), ZOOM_STEPS[-1])


def next_zoom(zoom: float, step: int) -> float:
    """The zoom one step larger (``step`` 1) or smaller (-1) than ``zoom``."""
    if step > 0:
        return next((z for z in ZOOM_STEPS if z > zoom + 1e-6), ZOOM_STEPS[-1])
    return next((z for z in reversed(ZOOM_STEPS) if z < zoom - 1e-6), ZOOM_STEPS[0])


def presentation_zoom(screen_height: int) -> float:
    """The step nearest to the same text height on the wall as :data:`PRESENTATION_ZOOM` on
    a 1080-line screen, for a screen ``screen_height`` (logical) pixels high: 1.5 at 1080,
    1.0 at 720."""
    wanted = PRESENTATION_ZOOM * screen_height / _PRESENTATION_LINES
    return min(ZOOM_STEPS, key=lambda step: abs(step - wanted))


def zoom_argument(text: str) -> float:
    """``--zoom FACTOR``: a number within the steps offered (an argparse type)."""
    try:
        zoom = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (e.g. 1.5)") from None
    if not ZOOM_STEPS[0] <= zoom <= ZOOM_STEPS[-1]:
        raise argparse.ArgumentTypeError(
            f"the zoom must be from {ZOOM_STEPS[0]:g} to {ZOOM_STEPS[-1]:g}, not {text}"
        )
    return zoom


def style_sheet(zoom: float = 1.0) -> str:
    """The window's Qt style sheet with every font ``zoom`` times its base size."""

    def size(points: float) -> str:
        return f"{points * zoom:.2f}"

    return _STYLE.format(
        base=size(_BASE_PT),
        pairing=size(_PAIRING_PT),
        title=size(_TITLE_PT),
        supply=size(_SUPPLY_PT),
        # The group's title sits in its top margin: as tall as the title's font.
        group_margin=round(10 * zoom),
    )


#: The style sheet at the normal size.
STYLE = style_sheet()
