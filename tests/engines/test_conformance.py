"""The engine contract, held by every registered engine alike: prepare, render, the prepared style
as bytes, strength, blends, progress, cancellation, regions, and the refusals of the request.
A new engine is one module and a registry line; this suite then runs on it unchanged."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pytest

import nst
from nst.engines import describe, engine_names, get_engine
from nst.engines.contract import PreparedStyle, Settings
from nst.io.images import to_array
from nst.nets import features
from nst.runtime.progress import Cancelled, CancelToken
from tests.helpers.hub import export_hub_like
from tests.helpers.pictures import landscape, painting

SIDE = 128


@dataclass(frozen=True)
class Case:
    name: str
    engine: object
    info: object
    styles: tuple  # two style inputs of the kind the engine takes
    config: dict
    options: object  # the engine's options for a quick render (None: it has none)

    def settings(self, **changes) -> Settings:
        return Settings(size=SIDE, options=self.options, **changes)

    def prepare(self, *weights: float) -> PreparedStyle:
        return self.engine.prepare(list(self.styles[: len(weights)]), np.asarray(weights, np.float32))


@pytest.fixture(scope="module")
def hub_model(tmp_path_factory):
    return export_hub_like(tmp_path_factory.mktemp("hub") / "magenta_hub_like")


@pytest.fixture(scope="module")
def no_vgg_file(tmp_path_factory):
    """Engines that want VGG-19 weights use what works offline, never a download."""
    patch = pytest.MonkeyPatch()
    patch.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras_home")))
    patch.delenv(features.WEIGHTS_ENV, raising=False)
    yield
    patch.undo()


def quick_options(info):
    """The engine's default options, with any field that sets the amount of work at its least
    useful value (an optimizer's iterations)."""
    if info.options_type is None:
        return None
    work = {f.name: 8 for f in fields(info.options_type) if f.metadata.get("work")}
    return info.options_type(**work)


@pytest.fixture(scope="module", params=engine_names())
def case(request, hub_model, no_vgg_file) -> Case:
    info = describe(request.param)
    config = {"hub_handle": str(hub_model)} if "hub_handle" in info.config_options else {}
    styles = (painting(3), painting(7)) if info.takes_images else (3, 19)
    engine = get_engine(request.param, **config)
    return Case(request.param, engine, info, styles, config, quick_options(info))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return to_array(landscape(SIDE, 96))


def gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())


def test_renders_a_picture_of_the_photo_in_range_and_styled(case, photo):
    out = case.engine.render(photo, case.prepare(1.0), case.settings())
    assert out.shape == photo.shape and np.isfinite(out).all()
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert gap(out, photo) > 0.03, gap(out, photo)


def test_less_strength_is_nearer_the_photo(case, photo):
    """(Strength 0 is the photo for most engines; for magenta it is the photo's own style, as in
    the paper.)"""
    style = case.prepare(1.0)
    full, half, none = (case.engine.render(photo, style, case.settings(strength=s)) for s in (1.0, 0.5, 0.0))
    assert gap(none, photo) < gap(half, photo) < gap(full, photo), (gap(none, photo), gap(half, photo))


def test_a_one_hot_blend_is_the_style_alone(case, photo):
    alone = case.engine.render(photo, case.prepare(1.0), case.settings())
    one_hot = case.engine.render(photo, case.prepare(1.0, 0.0), case.settings())
    other = case.engine.render(photo, case.engine.prepare([case.styles[1]], np.ones(1, np.float32)), case.settings())
    assert gap(one_hot, alone) < 0.2 * gap(other, alone), (gap(one_hot, alone), gap(other, alone))


def test_a_prepared_style_round_trips_as_bytes_and_paints_the_same(case, photo):
    style = case.prepare(0.6, 0.4)
    back = PreparedStyle.from_bytes(style.to_bytes())
    assert back == style and back.engine == case.name
    settings = case.settings()
    np.testing.assert_allclose(case.engine.render(photo, back, settings), case.engine.render(photo, style, settings))


def test_a_style_prepared_by_another_engine_is_refused(case, photo):
    foreign = PreparedStyle.of("another-engine", vector=np.zeros(4, np.float32))
    with pytest.raises(nst.OptionError, match="prepared for engine 'another-engine'"):
        case.engine.render(photo, foreign, case.settings())


def test_progress_reports_count_up_to_their_total(case, photo):
    reports = []
    case.engine.render(photo, case.prepare(0.5, 0.5), case.settings(), progress=reports.append)
    assert reports, "no progress report"
    assert [r.done for r in reports] == sorted(r.done for r in reports)
    assert reports[-1].done == reports[-1].total and reports[-1].unit
    if case.info.iterative:  # an optimizer shows its picture as it goes
        assert any(r.preview is not None for r in reports)


def test_a_cancelled_render_does_no_more_work(case, photo):
    token = CancelToken()
    token.cancel()
    reports = []
    if case.info.iterative:  # cancelling keeps the best picture so far
        out = case.engine.render(photo, case.prepare(1.0), case.settings(), progress=reports.append, cancel=token)
        assert out.shape == photo.shape and max((r.done for r in reports), default=0) <= 1
    else:
        with pytest.raises(Cancelled):
            case.engine.render(photo, case.prepare(1.0), case.settings(), progress=reports.append, cancel=token)
        assert reports == []


def test_cancelling_from_a_progress_report_stops_at_the_next_unit(case, photo):
    token, reports = CancelToken(), []

    def on_progress(report):
        reports.append(report)
        token.cancel()

    try:
        case.engine.render(photo, case.prepare(0.5, 0.5), case.settings(), progress=on_progress, cancel=token)
    except Cancelled:
        pass
    assert len(reports) == 1 or (case.info.iterative and reports[-1].done - reports[0].done <= 1), [
        (r.done, r.total) for r in reports
    ]


def test_regions_paint_each_style_where_its_mask_is(case, photo):
    masks = np.zeros((*photo.shape[:2], 2), np.float32)
    masks[:, : SIDE // 2, 0] = 1.0
    masks[..., 1] = 1.0 - masks[..., 0]
    a, b = case.prepare(1.0), case.engine.prepare([case.styles[1]], np.ones(1, np.float32))
    if not case.info.paints_regions:
        with pytest.raises(nst.OptionError, match="does not paint regional styles"):
            case.engine.render_regions(photo, [a, b], masks, case.settings())
        return
    out = case.engine.render_regions(photo, [a, b], masks, case.settings())
    only_a, only_b = (case.engine.render(photo, s, case.settings()) for s in (a, b))
    left, right = slice(0, SIDE // 2 - 16), slice(SIDE // 2 + 16, SIDE)
    assert gap(out[:, left], only_a[:, left]) < gap(out[:, left], only_b[:, left])
    assert gap(out[:, right], only_b[:, right]) < gap(out[:, right], only_a[:, right])


def test_the_request_refuses_styles_of_the_wrong_kind(case, photo):
    content = landscape(SIDE, 96)
    if case.info.takes_images:
        with pytest.raises(nst.OptionError) as refused:
            nst.stylize(content, preset=3, engine=case.name, **case.config)
    else:
        with pytest.raises(nst.OptionError) as refused:
            nst.stylize(content, painting(3), engine=case.name, **case.config)
    assert "\n" not in str(refused.value) and case.name in str(refused.value)


def test_the_request_refuses_options_the_engine_does_not_take(case):
    with pytest.raises(nst.OptionError) as refused:
        nst.stylize(landscape(SIDE, 96), case.styles[0] if case.info.takes_images else None,
                    preset=None if case.info.takes_images else case.styles[0],
                    engine=case.name, options={"no_such_option": 1}, **case.config)  # fmt: skip
    assert "no_such_option" in str(refused.value) or "takes no options" in str(refused.value)
    assert "\n" not in str(refused.value)
