""".env.example documents every setting, and only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path

from freight.settings import Settings

ENV_EXAMPLE = Path(__file__).parents[1] / ".env.example"


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    listed = set(re.findall(r"^(FREIGHT_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
    fields = {f"FREIGHT_{name.upper()}" for name in Settings.model_fields}
    assert fields - listed == set(), "settings missing from .env.example"
    assert listed - fields == set(), ".env.example lists settings that do not exist"
