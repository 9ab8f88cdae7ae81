"""The IHD's screens, one module each (the Developer screen a package: the screen and its tabs)."""
