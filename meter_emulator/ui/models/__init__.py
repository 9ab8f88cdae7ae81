"""Qt item models of the emulator's window (tested without widgets)."""
