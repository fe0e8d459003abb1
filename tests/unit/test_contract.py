"""The engine contract's own pieces, without loading a model: prepared styles, settings, the
registry, built-in style choices, progress and cancellation, the LRU cache, mirror padding."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading

import numpy as np
import pytest

import nst
from nst.engines import default_engine, describe, engine_class, engine_names
from nst.engines.builtin import parse_builtin
from nst.engines.contract import PreparedStyle, Settings, options_from
from nst.engines.gatys import GatysOptions
from nst.ops.padding import mirror_pad
from nst.runtime.cache import LRUCache
from nst.runtime.progress import CancelToken, Progress, Reporter, as_cancel_token


def test_a_prepared_style_is_immutable_hashable_and_round_trips_as_bytes():
    style = PreparedStyle.of("magenta", vector=np.arange(100, dtype=np.float32))
    with pytest.raises(ValueError):
        style["vector"][0] = 5  # read-only
    same = PreparedStyle.of("magenta", vector=np.arange(100, dtype=np.float32))
    assert style == same and hash(style) == hash(same) and len({style, same}) == 1
    assert style != PreparedStyle.of("adain", vector=np.arange(100, dtype=np.float32))
    assert style != PreparedStyle.of("magenta", vector=np.arange(1, 101, dtype=np.float32))
    back = PreparedStyle.from_bytes(style.to_bytes())
    assert back == style and back.engine == "magenta" and back.names() == ["vector"]
    np.testing.assert_array_equal(back["vector"], style["vector"])
    assert len(style.to_bytes()) < 2000  # small: a style vector, not pictures


@pytest.mark.parametrize("data", [b"", b"not an archive", PreparedStyle.of("x", a=np.ones(2)).to_bytes()[:40]])
def test_bytes_that_are_not_a_prepared_style_are_one_clear_error(data):
    with pytest.raises(nst.OptionError, match="not a prepared style"):
        PreparedStyle.from_bytes(data)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"strength": 1.5}, "strength"),
        ({"strength": True}, "strength"),
        ({"size": 63}, "size"),
        ({"size": 2.5}, "size"),
    ],
)
def test_settings_are_validated_when_made(kwargs, message):
    with pytest.raises(nst.OptionError, match=message):
        Settings(**kwargs)


def test_settings_are_frozen_and_typed():
    settings = Settings(strength=1, size=np.int64(512))
    assert settings.strength == 1.0 and isinstance(settings.strength, float) and settings.size == 512
    with pytest.raises(AttributeError):
        settings.size = 10


def test_engine_options_come_by_name_or_not_at_all():
    assert options_from(GatysOptions, "gatys", {"iterations": 7}) == GatysOptions(iterations=7)
    assert options_from(None, "magenta", {}) is None
    with pytest.raises(nst.OptionError, match="iterations is not a setting of engine 'magenta'"):
        options_from(None, "magenta", {"iterations": 7})
    with pytest.raises(nst.OptionError, match="iterations must be from 1 to 10000"):
        GatysOptions(iterations=0).check()


def test_the_registry_lists_engines_without_loading_a_model():
    assert engine_names()[0] == "magenta" and set(engine_names()) == {
        "magenta",
        "magenta-hub",
        "preset",
        "adain",
        "gatys",
    }
    assert default_engine("images") == "magenta" and default_engine("builtin") == "preset"
    for name in engine_names():
        cls = engine_class(name)
        assert cls.name == name and cls.description and cls.takes in ("images", "builtin")
        assert all(callable(getattr(cls, method)) for method in ("prepare", "render"))
        info = describe(name)  # images, or choices among its built-in styles, never both
        assert info.takes_images != bool(info.builtin_styles), name
        assert info.options_type is None or dataclasses.is_dataclass(info.options_type), name
    code = (
        "import sys, nst.engines as e; [e.engine_class(n) for n in e.engine_names()]; "
        "print('tensorflow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr  # importing every engine module loaded nothing
    with pytest.raises(nst.OptionError, match="unknown engine 'picasso'"):
        engine_class("picasso")


@pytest.mark.parametrize(
    "spec,indices,weights",
    [
        (7, [7], [1.0]),
        ("3:0.5,12:1.5", [3, 12], [0.25, 0.75]),
        ({3: 1, 12: 1}, [3, 12], [0.5, 0.5]),
        ([3, 3], [3], [1.0]),
    ],
)
def test_built_in_style_choices(spec, indices, weights):
    chosen, blend = parse_builtin(spec, 26)
    assert chosen == indices and np.allclose(blend, weights) and blend.dtype == np.float32


def test_progress_knows_its_fraction_and_time_left():
    report = Progress(done=3, total=12, unit="tile", seconds=6.0)
    assert report.fraction == 0.25 and report.seconds_left == 18.0
    assert Progress(0, 5, "iteration", 1.0).seconds_left is None


def test_time_left_is_measured_after_the_first_unit_which_pays_for_set_up():
    # the first of 10 steps took 20 s (tracing), the next two 1 s each: 7 steps at 1 s to go
    assert Progress(done=3, total=10, unit="step", seconds=22.0, since=(0.1, 20.0)).seconds_left == pytest.approx(7.0)
    assert Progress(done=1, total=10, unit="step", seconds=20.0, since=(0.1, 20.0)).seconds_left is None
    reports: list = []
    reporter = Reporter(reports.append, 4, "tile")
    reporter.preparing("loading")
    reporter(1)
    reporter(2)
    assert [(r.done, r.stage) for r in reports] == [(0, "loading"), (1, ""), (2, "")]
    assert reports[2].since == (0.25, reports[1].seconds)


def test_a_cancel_token_from_another_thread_and_a_polled_function():
    token = CancelToken()
    assert not token.cancelled
    setter = threading.Thread(target=token.cancel)
    setter.start()
    setter.join(timeout=5)
    assert token.cancelled
    calls = []
    polled = as_cancel_token(lambda: len(calls) > 0)
    assert not polled.cancelled
    calls.append(1)
    assert polled.cancelled
    with pytest.raises(nst.OptionError):
        as_cancel_token(5)


def test_lru_cache_bounds_entries_and_bytes():
    cache: LRUCache[bytes] = LRUCache(3, max_bytes=10, size_of=len)
    for key, value in (("a", b"1234"), ("b", b"1234"), ("c", b"1")):
        cache.put(key, value)
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("d", b"12345")  # over 10 bytes: b goes first, then c
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("d") == b"12345"
    assert cache.get_or_compute("e", lambda: b"x") == b"x" and cache.get_or_compute("e", lambda: b"y") == b"x"
    assert len(LRUCache(0)) == 0


@pytest.mark.parametrize("border,multiple", [(0, 4), (16, 8), (3, 1)])
def test_mirror_padding_is_numpy_reflect(border, multiple):
    images = np.random.default_rng(0).random((2, 23, 30, 3)).astype(np.float32)
    padded = np.asarray(mirror_pad(images, border, multiple))
    h, w = 23 + 2 * border, 30 + 2 * border
    extra = ((0, 0), (border, border + -h % multiple), (border, border + -w % multiple), (0, 0))
    np.testing.assert_array_equal(padded, np.pad(images, extra, mode="reflect"))
