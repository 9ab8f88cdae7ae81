"""Dialogs: pairing questions and confirmations (opened window-modal, never with exec())."""
