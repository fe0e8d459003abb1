"""Every ``NST_*`` environment variable, read and checked in one place (pydantic-settings).

The host sets these; a bad value is refused in one line that names the variable, when the
command, the service or the app starts (:func:`config`), never replaced by a default without a
word. The table in README.md ("Configuration") lists them with the same defaults.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from nst.errors import NSTError

PREFIX = "NST_"


class ConfigError(NSTError):
    """An ``NST_*`` variable with a value we cannot use."""


class Config(BaseSettings):
    """The host's settings; each field is ``NST_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore", env_ignore_empty=True)

    # admission and memory
    max_concurrent: int | None = Field(None, ge=1, le=256, description="stylizations at once (default: cores / 2)")
    max_pixels: int = Field(50_000_000, ge=1024, description="largest input picture in pixels")
    max_video_seconds: float = Field(4 * 3600, gt=0, description="longest accepted clip")
    precision: str | None = Field(None, pattern="^(float32|bfloat16)$", description="float32 or bfloat16")
    # models
    offline: bool = Field(False, description="never try a download (TF-Hub, VGG-19)")
    vgg19_weights: Path | None = Field(None, description="VGG-19 .h5 weights for gatys, instead of a download")
    tfhub_handle: str | None = Field(None, description="TF-Hub URL or SavedModel folder for magenta-hub")
    style_dir: Path | None = Field(None, description="the learned styles' folder (default: the user data folder)")
    # the HTTP service
    service_upload_mb: int = Field(50, ge=1, le=4096, description="largest request body, MB")
    service_max_side: int = Field(4096, ge=64, le=6144, description="largest result side over HTTP, px")
    service_max_seconds: float = Field(300, gt=0, description="time budget of one HTTP stylization, s")
    service_queue_megapixels: float = Field(
        120, gt=0, description="most picture megapixels the service admits at once, running and waiting"
    )
    service_client_seconds: float = Field(
        10, gt=0, le=300, description="longest a client may take to send its headers, or pause in its upload, s"
    )
    service_max_iterations: int = Field(1000, ge=1, description="most optimization steps an HTTP request may ask")
    shutdown_grace: float = Field(10, ge=0, description="s that running work gets to finish on SIGTERM")
    # the web app
    server_url: str | None = Field(None, description="a style server the app sends photos to")
    result_cache: int = Field(32, ge=0, description="results the app keeps for reuse")
    ice_servers: str | None = Field(None, description="STUN/TURN servers for the live camera, JSON")
    app_video_seconds: float = Field(60, gt=0, description="longest clip the app takes, s")
    app_video_side: int = Field(1280, ge=64, le=4096, description="largest video result side in the app, px")
    app_video_mb: int = Field(200, ge=1, description="largest video upload in the app, MB")


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX) and v.strip()))


@functools.lru_cache(maxsize=8)
def _parsed(environment: tuple[tuple[str, str], ...]) -> Config:
    try:
        return Config()  # reads os.environ, which matches ``environment``
    except ValidationError as exc:
        first = exc.errors()[0]
        name = PREFIX + str(first["loc"][0]).upper() if first.get("loc") else PREFIX
        value = dict(environment).get(name, "")
        message = first.get("msg", "invalid").replace("Input should be", "must be")
        raise ConfigError(f"{name}={value!r}: {message}") from None


def config() -> Config:
    """The settings from the environment as it is now (parsed once per distinct environment)."""
    return _parsed(_environment())


def described() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting: the README's table comes from these."""
    return [
        (PREFIX + name.upper(), "" if f.default is None else str(f.default), f.description or "")
        for name, f in Config.model_fields.items()
    ]
