"""Small custom widgets of the emulator's window."""
