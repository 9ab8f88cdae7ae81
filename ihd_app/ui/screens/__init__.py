"""The IHD's screens, one module each."""
