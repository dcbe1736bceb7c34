"""The generated settings form, driven by Pilot: inputs per kind, errors beside fields."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field, HttpUrl, SecretStr
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static, Switch, TextArea

from segtui.widgets.settings_form import SettingsForm


class Hook(BaseModel):
    urls: list[HttpUrl] = Field(min_length=1, max_length=5, title="Webhook URLs")
    shared_secret: SecretStr | None = Field(None, title="Shared secret")
    timeout_seconds: float = Field(10.0, gt=0.0, le=300.0, title="Timeout")
    batch_mode: bool = Field(False, title="Batch mode")
    region: str = Field("eu", json_schema_extra={"enum": ["eu", "us"]}, title="Region")


class FormApp(App[None]):
    def __init__(self, values: dict | None = None, editing: bool = False) -> None:
        super().__init__()
        self.form_values = values
        self.editing = editing

    def compose(self) -> ComposeResult:
        yield SettingsForm(
            Hook.model_json_schema(), self.form_values, editing=self.editing, id="form"
        )


def test_inputs_errors_and_values() -> None:
    async def scenario() -> None:
        app = FormApp()
        async with app.run_test(size=(80, 40)) as pilot:
            form = app.query_one(SettingsForm)
            assert isinstance(form.query_one("#field-urls"), TextArea)
            secret = form.query_one("#field-shared_secret", Input)
            assert secret.password
            assert form.query_one("#field-timeout_seconds", Input).value == "10.0"
            assert isinstance(form.query_one("#field-batch_mode"), Switch)
            assert form.query_one("#field-region", Select).value == "eu"

            form.query_one("#field-timeout_seconds", Input).value = "0"
            assert form.validate() is None
            await pilot.pause()
            assert str(form.query_one("#error-urls", Static).render()) == "required"
            # On screen, not only in the widget: a line of its own under the field.
            assert form.query_one("#error-urls").region.height == 1
            assert (
                str(form.query_one("#error-timeout_seconds", Static).render())
                == "must be more than 0"
            )
            assert form.query_one("#row-urls").has_class("-invalid")
            assert form.query_one("#field-urls").has_focus  # the first field with an error

            form.query_one(
                "#field-urls", TextArea
            ).text = "https://hooks.example/a\nhttps://hooks.example/b"
            form.query_one("#field-timeout_seconds", Input).value = "2.5"
            form.query_one("#field-batch_mode", Switch).value = True
            secret.value = "s3cret"
            values = form.validate()
            await pilot.pause()
            assert values == {
                "urls": ["https://hooks.example/a", "https://hooks.example/b"],
                "shared_secret": "s3cret",
                "timeout_seconds": 2.5,
                "batch_mode": True,
                "region": "eu",
            }
            assert str(form.query_one("#error-urls", Static).render()) == ""
            assert form.query_one("#error-urls").region.height == 0  # out of the way
            Hook.model_validate(values)

    asyncio.run(scenario())


def test_editing_saved_settings_never_shows_a_secret() -> None:
    async def scenario() -> None:
        saved = {
            "urls": ["https://hooks.example/a"],
            "shared_secret": "**********",
            "batch_mode": True,
        }
        app = FormApp(saved, editing=True)
        async with app.run_test(size=(80, 40)):
            form = app.query_one(SettingsForm)
            secret = form.query_one("#field-shared_secret", Input)
            assert secret.value == "" and "unchanged" in secret.placeholder
            assert form.query_one("#field-urls", TextArea).text == "https://hooks.example/a"
            assert form.query_one("#field-batch_mode", Switch).value is True
            values = form.validate()
            assert values is not None and "shared_secret" not in values  # kept as saved

    asyncio.run(scenario())
