"""brandlab: analyse a city's brand campaigns on Chinese social platforms and tie them to
talent and tourism outcomes."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
