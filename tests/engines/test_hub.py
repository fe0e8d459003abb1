"""The ``magenta-hub`` engine's real loading code, on a SavedModel this test exports itself
(tests.helpers.hub): it runs our embedded network inside, so the Hub path must reproduce the
embedded engine."""

from __future__ import annotations

import numpy as np
import pytest

import nst
from nst.engines.hub import DEFAULT_HANDLE, HANDLE_ENV, resolve_handle
from tests.helpers.hub import export_hub_like


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    return export_hub_like(tmp_path_factory.mktemp("hub") / "magenta_hub_like")


def test_local_savedmodel_reproduces_embedded_engine(saved_model, content_image, style_image):
    hub = nst.stylize(content_image, style_image, engine="magenta-hub", hub_handle=str(saved_model), size=320)
    embedded = nst.stylize(content_image, style_image, size=320)
    assert hub.size == embedded.size == (320, 240)
    diff = np.abs(np.asarray(hub, np.float32) - np.asarray(embedded, np.float32)).mean() / 255
    assert diff < 0.01


def test_handle_from_environment(saved_model, content_image, style_image, monkeypatch):
    monkeypatch.setenv(HANDLE_ENV, str(saved_model))
    assert resolve_handle() == str(saved_model)
    assert nst.stylize(content_image, style_image, engine="magenta-hub", size=128).size == (128, 96)
    monkeypatch.delenv(HANDLE_ENV)
    assert resolve_handle() == DEFAULT_HANDLE


def test_hub_strength_and_blend(saved_model, content_image, style_image, second_style):
    kwargs = {"engine": "magenta-hub", "hub_handle": str(saved_model), "size": 320}
    zero = nst.stylize(content_image, style_image, strength=0.0, **kwargs)
    assert np.abs(np.asarray(zero, np.int16) - np.asarray(content_image, np.int16)).max() <= 1
    blended = nst.stylize(content_image, [style_image, second_style], style_weights=[1, 0], **kwargs)
    single = nst.stylize(content_image, style_image, **kwargs)
    assert np.abs(np.asarray(blended, np.int16) - np.asarray(single, np.int16)).mean() < 1


def test_unreachable_url_fails_fast_with_hint(content_image, style_image, monkeypatch):
    monkeypatch.delenv("NST_OFFLINE")  # exercise the reachability probe (the host never resolves)
    handle = "https://tfhub.invalid/google/magenta/arbitrary-image-stylization-v1-256/2"  # never resolves
    with pytest.raises(nst.EngineUnavailable) as info:
        nst.stylize(content_image, style_image, engine="magenta-hub", hub_handle=handle)
    message = str(info.value)
    assert handle in message and "--hub-handle" in message and "\n" not in message


def test_folder_without_savedmodel(tmp_path, content_image, style_image):
    with pytest.raises(nst.EngineUnavailable, match="no SavedModel"):
        nst.stylize(content_image, style_image, engine="magenta-hub", hub_handle=str(tmp_path))


def test_an_unreachable_model_is_explained_in_plain_words():
    from nst.engines import unavailable_reason

    reason = unavailable_reason("magenta-hub", hub_handle="https://tfhub.invalid/model/1")
    assert reason and "internet" in reason and "--" not in reason  # no command-line flags for web users
    assert unavailable_reason("magenta") is None
