from __future__ import annotations

from pathlib import Path

import pytest

from segd import config
from segd.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reload_seconds = 0", "router.reload_seconds must be more than 0"),
        ("retry_base_seconds = -1", "router.retry_base_seconds must be more than 0"),
        ("retry_poll_seconds = 0", "router.retry_poll_seconds must be more than 0"),
        ("retry_max_delay_seconds = 0.5", "must be at least retry_base_seconds"),
        ("retry_window_seconds = -1", "router.retry_window_seconds cannot be negative"),
        ("commit_interval_seconds = -0.1", "router.commit_interval_seconds cannot be negative"),
        ("drain_seconds = -5", "router.drain_seconds cannot be negative"),
        ("drain_seconds = 'soon'", "router.drain_seconds"),
        ("send_timeout_seconds = 0", "router.send_timeout_seconds must be more than 0"),
        ("send_timeout_seconds = -30", "router.send_timeout_seconds must be more than 0"),
        ("retry_windw_seconds = 1", "router.retry_windw_seconds"),
    ],
)
def test_bad_router_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[router]\n{text}\n")
    with pytest.raises(ConfigError, match=message):
        config.load(path)


def test_router_timings_can_be_shortened(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[router]\nretry_window_seconds = 2\nretry_base_seconds = 0.01\n")
    router = config.load(path).router
    assert (router.retry_window_seconds, router.retry_base_seconds) == (2.0, 0.01)
