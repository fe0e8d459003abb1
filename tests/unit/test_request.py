"""The one request every front end builds: each hostile or mistaken value is refused in one
line when the request is made, before anything is decoded or loaded."""

from __future__ import annotations

import pytest

import nst
from nst.config import ConfigError, config
from nst.engines.gatys import GatysOptions
from nst.request.model import Limits, Request

PHOTO = b"the photo's bytes: not decoded while the request is checked"

PROBES = [
    ({"preset": "3:1e308,19:1e308"}, "preset weights must have a positive, finite sum"),
    ({"styles": [b"a", b"b"], "weights": "1e308,1e308"}, "style weights must have a positive, finite sum"),
    ({"styles": [b"a", b"b"], "weights": [1e308, 1e308]}, "style weights must have a positive, finite sum"),
    ({"styles": [b"a"], "engine": "gatys", "options": '{"content_weight": "a"}'}, "content_weight must be a number"),
    ({"styles": [b"a"], "engine": "gatys", "options": "[" * 100_000}, "options must be a JSON object of at most"),
    ({"styles": [b"a"], "engine": "gatys", "options": "[" * 50 + "]" * 50}, "options must be a flat JSON object"),
    ({"styles": [b"a"], "engine": "gatys", "options": '{"content_weight": NaN}'}, "options: NaN is not a number"),
    ({"styles": [b"a"], "engine": "gatys", "options": '{"style_weight": Infinity}'}, "Infinity is not a number"),
    ({"styles": [b"a"], "engine": "gatys", "options": {"tv_weight": float("nan")}}, "tv_weight must be a number"),
    ({"styles": [b"a"], "engine": "gatys", "options": GatysOptions(style_weight=float("inf"))}, "style_weight"),
    ({"preset": 1, "strength": float("nan")}, "strength must be a number from 0 to 1"),
    ({"preset": 1, "strength": "2"}, "strength must be a number from 0 to 1, got '2'"),
    ({"preset": 1, "stroke_scale": float("inf")}, "stroke scale must be a number from 0.25 to 4"),
    ({"preset": 1, "size": 2.5}, "size must be a whole number from 64 to 6144"),
    ({"preset": 1, "size": 99999, "limits": Limits(max_side=4096)}, "size must be at most 4096 px on this server"),
    ({"preset": 1, "upscale": "maybe"}, "upscale must be true or false"),
    ({"preset": 1, "format": "gif"}, "format must be one of png, jpeg"),
    ({"preset": "1", "weights": "0.5"}, "weights blend style images; blend built-in styles as 3:0.5,19:0.5"),
    ({"preset": "1", "mask": b"m", "weights": "1"}, "with a mask each region has one style; weights do not apply"),
    ({"styles": [b"a"], "mask": b"m", "weights": [1]}, "with a mask each region has one style; weights do not apply"),
    ({"preset": "1,2,3", "mask": b"m"}, "a mask takes one style"),
    ({"preset": 1, "mask": b"m", "feather": 0.9}, "feather must be a number from 0"),
    ({"preset": 1, "engine": "picasso"}, "unknown engine 'picasso'"),
    ({"preset": 1, "engine": "gatys"}, "engine 'gatys' takes style images, not built-in styles"),
    ({"styles": [b"a"], "engine": "preset"}, "engine 'preset' paints built-in styles (preset), not style images"),
    ({}, "give a style image or a built-in style (preset)"),
    ({"styles": [b"a"], "preset": 3}, "give style images or a built-in style (preset), not both"),
    ({"styles": [b"a"], "engine_values": {"iterations": 5}}, "iterations is not a setting of engine 'magenta'"),
    (
        {"styles": [b"a"], "engine": "gatys", "options": {"iterations": 10_000}, "limits": Limits(max_work=1000)},
        "iterations must be at most 1000 on this server, got 10000",
    ),
    ({"preset": 99}, "preset 99 does not exist; use 0 to 25"),
]


@pytest.mark.parametrize(("fields", "message"), PROBES, ids=[m[:40] for _, m in PROBES])
def test_every_probe_is_refused_in_one_line_when_the_request_is_made(fields, message):
    with pytest.raises(nst.OptionError) as info:
        Request(content=PHOTO, **fields)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_api_refuses_with_the_request_s_words():
    with pytest.raises(nst.OptionError, match="preset weights must have a positive, finite sum"):
        nst.stylize(PHOTO, preset="3:1e308,19:1e308")
    with pytest.raises(nst.OptionError, match="strength must be a number from 0 to 1"):
        nst.Settings(strength=float("nan"))


def test_a_request_resolves_its_engine_options_and_regions_once():
    request = Request(content=PHOTO, preset="3:0.5,19:1.5", strength="0.5", size="512", upscale="true")
    assert request.engine == "preset" and request.strength == 0.5 and request.size == 512 and request.upscale
    ((styles, weights),) = request.regions
    assert styles == [3, 19] and weights.tolist() == [0.25, 0.75]
    gatys = Request(content=PHOTO, styles=[b"a"], engine="gatys", options='{"iterations": 7, "init": "noise"}')
    assert gatys.options == GatysOptions(iterations=7, init="noise") and gatys.settings.options == gatys.options
    regional = Request(content=PHOTO, preset="7,24", mask=b"m")
    assert [s for s, _ in regional.regions] == [[7], [24]]
    assert regional.form()["preset"] == "7,24"  # what the client sends is what the service reads
    again = Request(content=PHOTO, mask=b"m", **regional.form())
    assert again.regions[1][0] == [24] and again.engine == regional.engine


def test_the_environment_is_checked_in_one_place(monkeypatch):
    monkeypatch.setenv("NST_MAX_CONCURRENT", "two")
    with pytest.raises(ConfigError, match="^NST_MAX_CONCURRENT='two': must be a valid integer"):
        config()
    monkeypatch.setenv("NST_MAX_CONCURRENT", "3")
    monkeypatch.setenv("NST_SERVICE_MAX_SIDE", "2048")
    assert config().max_concurrent == 3 and config().service_max_side == 2048


def test_the_readme_lists_every_setting_as_the_configuration_module_does():
    from nst.config import described
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text()
    rows = [f"| `{name}` | {default or '-'} | {meaning} |" for name, default, meaning in described()]
    missing = [row for row in rows if row not in readme]
    assert missing == [], missing
