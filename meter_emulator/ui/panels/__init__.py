"""The panels of the emulator's window, one job each."""
