"""`segd destination ...`: the core functions from the shell, and their clear errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.support.daemon import init_workspace, segd_command
from tests.support.delivery import segd_failing

HOOK = json.dumps(
    {
        "urls": ["http://127.0.0.1:9/hook"],
        "shared_secret": "top-secret",
        "headers": {"Authorization": "Bearer abc"},
    }
)


def _with_hook(data_dir: Path) -> Path:
    init_workspace(data_dir)
    segd_command(
        "destination", "add", "hook", "--type", "webhook", "--source", "test_source",
        "--settings", HOOK, data_dir=data_dir,
    )  # fmt: skip
    return data_dir


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A workspace with a webhook destination called hook."""
    return _with_hook(tmp_path / "data")


@pytest.fixture(scope="module")
def unchanged_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, shared by tests that change nothing (every command in them fails)."""
    return _with_hook(tmp_path_factory.mktemp("cli") / "data")


def test_types_list_and_masked_secrets(data_dir: Path) -> None:
    types = segd_command("destination", "types", data_dir=data_dir)
    assert "webhook\tWebhooks\tOther" in types and "archive\tArchive\tStorage" in types
    listing = segd_command("destination", "list", data_dir=data_dir)
    name, type_name, state, sources, settings = listing.strip().split("\t")
    assert (name, type_name, state, sources) == ("hook", "webhook", "enabled", "test_source")
    shown = json.loads(settings)
    assert shown["shared_secret"] == "**********"
    assert shown["headers"] == {"Authorization": "**********"}
    assert shown["batch_size"] == 100  # defaults are filled in
    assert "top-secret" not in listing and "Bearer abc" not in listing


def test_update_merges_and_keeps_secrets(data_dir: Path) -> None:
    segd_command("destination", "update", "hook", "--settings", '{"batch_mode": true}',
                 data_dir=data_dir)  # fmt: skip
    with sqlite3.connect(data_dir / "segd.db") as conn:
        (stored,) = conn.execute("SELECT settings FROM destinations").fetchone()
    assert json.loads(stored)["batch_mode"] is True
    assert json.loads(stored)["shared_secret"] == "top-secret"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x", "--type", "nope", "--source", "test_source"],
         "unknown destination type 'nope'; installed: archive, warehouse, webhook"),
        (["add", "x", "--type", "webhook", "--source", "test_source", "--settings", "{oops"],
         "--settings is not valid JSON"),
        (["add", "x", "--type", "webhook", "--source", "test_source", "--settings", "[1]"],
         "settings must be a JSON object"),
        (["add", "x", "--type", "webhook", "--source", "test_source", "--settings", '{"urls": []}'],
         "invalid webhook settings: urls: List should have at least 1 item"),
        (["add", "x", "--type", "webhook", "--source", "nope", "--settings", HOOK],
         "no source with the slug 'nope'"),
        (["add", "hook", "--type", "webhook", "--source", "test_source", "--settings", HOOK],
         "a destination named 'hook' exists already"),
        (["add", " ", "--type", "webhook", "--source", "test_source", "--settings", HOOK],
         "a destination needs a name"),
        (["status", "ghost"], "no destination named 'ghost'"),
        (["replay", "ghost"], "no destination named 'ghost'"),
        (["enable", "ghost"], "no destination named 'ghost'"),
        (["update", "hook", "--settings", '{"timeout_seconds": -1}'],
         "invalid webhook settings: timeout_seconds: Input should be greater than 0"),
        (["filter-remove", "hook", "99"], "destination 'hook' has no filter 99"),
        (["filter-add", "hook", "--kind", "sample"], "needs a percent between 0 and 1"),
        (["filter-add", "hook", "--kind", "drop_properties", "--fields", "email"],
         "must name an object and a key"),
        (["filter-update", "hook", "99", "--kind", "drop"], "destination 'hook' has no filter 99"),
        (["update", "hook", "--name", " "], "a destination needs a name of 1 to 100 characters"),
        (["connect", "hook", "--source", "nope"], "no source with the slug 'nope'"),
        (["connect", "ghost", "--source", "test_source"], "no destination named 'ghost'"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error(unchanged_dir: Path, args: list[str], message: str) -> None:
    result = segd_failing("destination", *args, data_dir=unchanged_dir)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_fql_is_refused_with_its_position(data_dir: Path) -> None:
    condition = "type = 'track' and (event = 'A' or)"
    result = segd_failing(
        "destination", "filter-add", "hook", "--kind", "drop", "--if", condition,
        data_dir=data_dir,
    )  # fmt: skip
    assert result.returncode == 1
    assert "expected a value, found ')' at position 34" in result.stderr
    assert f"  {condition}\n  {' ' * 34}^" in result.stderr
    assert segd_command("destination", "filter-list", "hook", data_dir=data_dir) == ""


def test_filters_round_trip(data_dir: Path) -> None:
    out = segd_command(
        "destination", "filter-add", "hook", "--kind", "sample", "--if", "type = 'page'",
        "--percent", "0.25", "--path", "userId", "--title", "a quarter of pages",
        data_dir=data_dir,
    )  # fmt: skip
    filter_id = out.split()[1]
    listing = segd_command("destination", "filter-list", "hook", data_dir=data_dir)
    assert (
        listing
        == f"{filter_id}\tsample\ttype = 'page'\tpercent=0.25 path=userId\ta quarter of pages\n"
    )
    segd_command("destination", "filter-remove", "hook", filter_id, data_dir=data_dir)
    assert segd_command("destination", "filter-list", "hook", data_dir=data_dir) == ""


def test_remove_deletes_the_destination(data_dir: Path) -> None:
    segd_command("destination", "remove", "hook", data_dir=data_dir)
    assert segd_command("destination", "list", data_dir=data_dir) == ""


def test_rename_connect_disconnect(data_dir: Path) -> None:
    segd_command("source", "add", "Mobile App", data_dir=data_dir)
    out = segd_command("destination", "connect", "hook", "--source", "mobile_app",
                       data_dir=data_dir)  # fmt: skip
    assert out == "Destination 'hook' now receives from test_source, mobile_app.\n"
    out = segd_command("destination", "update", "hook", "--name", "crm", data_dir=data_dir)
    assert out == "Destination 'crm' updated.\n"
    out = segd_command("destination", "disconnect", "crm", "--source", "test_source",
                       "--source", "mobile_app", data_dir=data_dir)  # fmt: skip
    assert out == "Destination 'crm' now receives from no source.\n"
    listing = segd_command("destination", "list", data_dir=data_dir)
    assert listing.startswith("crm\twebhook\tenabled\t-\t")


def test_filter_update_replaces_the_filter_and_refuses_bad_fql(data_dir: Path) -> None:
    out = segd_command("destination", "filter-add", "hook", "--kind", "drop", "--if",
                       "event = 'A'", data_dir=data_dir)  # fmt: skip
    filter_id = out.split()[1]
    segd_command("destination", "filter-update", "hook", filter_id, "--kind", "drop_properties",
                 "--fields", "properties.email", "--disabled", data_dir=data_dir)  # fmt: skip
    listing = segd_command("destination", "filter-list", "hook", data_dir=data_dir)
    assert listing == f"{filter_id}\tdrop_properties\tall\tproperties.email\t\t(disabled)\n"
    condition = "event = "
    result = segd_failing("destination", "filter-update", "hook", filter_id, "--kind", "drop",
                          "--if", condition, data_dir=data_dir)  # fmt: skip
    assert result.returncode == 1
    assert f"  {condition}\n  {' ' * 8}^" in result.stderr
    assert segd_command("destination", "filter-list", "hook", data_dir=data_dir) == listing
