"""``--service fake`` or ``--service module:factory``: where the UI tools get their service."""

from __future__ import annotations

import importlib
from typing import cast

from ihd_app.ui.app import ServiceFactory
from ihd_app.ui.fake.live import demo_service


def service_factory(spec: str) -> ServiceFactory:
    """``fake``: the demo household in memory; ``package.module:callable``: an async factory."""
    if spec == "fake":
        return cast(ServiceFactory, demo_service)
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise ValueError(f"--service {spec!r}: use 'fake' or 'package.module:factory'")
    module = importlib.import_module(module_name)
    return cast(ServiceFactory, getattr(module, attribute))
