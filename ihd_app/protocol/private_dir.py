"""Data directories only their owner can read.

Both programs keep personal data in their data dir: the display its consumption history,
messages, consent and bonds; the meter its bonds, counters and held messages. The seed's
privacy controls ask that such data is not readable by others on the machine, so the directory
is created (or tightened) to owner-only access; the files inside, whatever their own mode, are
then out of other users' reach.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ihd_app.protocol.errors import ConfigurationError

#: rwx for the owner, nothing for group and others.
PRIVATE_MODE = 0o700


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) for its owner only; tighten it if it exists.

    On systems without POSIX permissions (Windows) the directory is just created: its ACL
    is inherited from the user's profile directory, which is private already.

    Raises:
        ConfigurationError: The directory cannot be created or its mode changed.
    """
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(PRIVATE_MODE)
    except OSError as exc:
        raise ConfigurationError(f"cannot make the data dir {path} private: {exc}") from None
    return path
