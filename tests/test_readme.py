"""The README documents every setting the service reads."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [n for n in Settings.model_fields if f"`GRADTRACE_{n.upper()}`" not in README]
    assert not missing, f"add these settings to README.md: {missing}"
