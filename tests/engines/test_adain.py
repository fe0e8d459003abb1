"""The ``adain`` engine on the weights we ship: style statistics, strength, blends, tiles, API, CLI."""

from __future__ import annotations

import numpy as np
import pytest

import nst
from nst.engines.adain import AdaINEngine
from nst.engines.contract import Settings
from nst.io.images import to_array
from nst.nets.adain import BORDER, CUTS, DECODER_FILE, build_decoder, init_decoder, load_decoder, save_decoder
from nst.nets.tiling import Tiling
from nst.ops.adain import blend_statistics, level_statistics
from nst.ops.bands import contrasts
from nst.ops.color import color_statistics, rgb_to_ycbcr
from nst.runtime.assets import asset_path
from nst.runtime.tf import import_tensorflow
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting


@pytest.fixture(scope="module")
def engine() -> AdaINEngine:
    return AdaINEngine(precision="float32")


def features(engine: AdaINEngine, pixels: np.ndarray) -> list:
    net = engine.network
    return net.features(net.padded(pixels[None]))


def statistics_distance(engine: AdaINEngine, pixels: np.ndarray, stats) -> float:
    """How far an image's encoder statistics (mean and std of every level) are from the given ones."""
    own = [np.asarray(m) for m in level_statistics(features(engine, pixels))]
    return float(sum(np.mean(np.abs(a - b)) for a, b in zip(own, stats[: len(own)], strict=True)))


def stylize(engine: AdaINEngine, content, styles, weights, strength: float) -> np.ndarray:
    prepared = engine.prepare(styles, np.asarray(weights, np.float32))
    return engine.render(to_array(content), prepared, Settings(strength=strength))


def test_the_shipped_decoder_works_on_two_encoder_levels(engine):
    net = engine.network
    assert net.cut == "two_level_coded" and net.levels == 2 and net.coded
    stats = engine.style_statistics(painting(3))
    shapes = [s.shape for s in stats]
    assert shapes == [(1, 1, 1, 144)] * 2 + [(1, 1, 1, 192)] * 2 + [(3,), (3, 3), (3, 3), (3,)], shapes


def test_shipped_weights_are_small_float16_and_name_their_cut():
    shipped = asset_path(DECODER_FILE)
    assert shipped.stat().st_size <= 5 * 2**20
    with np.load(shipped, allow_pickle=False) as stored:
        assert str(stored["cut"]) in CUTS
        kernels = [stored[k] for k in stored.files if k != "cut"]
    assert kernels and all(k.dtype == np.float16 for k in kernels)


def test_zero_padded_large_maps_change_only_the_cropped_border(engine):
    """The decoder pads its 1/2-size maps with zeros (speed): the picture inside the mirrored
    border the engine crops is the textbook all-reflection decoder's, and the border does differ."""
    textbook = build_decoder(engine.network.cut, "float32", reflect_everywhere=True)
    assert init_decoder(textbook, asset_path(DECODER_FILE)) == []
    levels = [np.asarray(f) for f in features(engine, to_array(landscape(96, 80)))]
    rng = np.random.default_rng(0)
    inputs = levels + [rng.random((1, 384), np.float32)]
    fast, slow = np.asarray(engine.network.decoder(inputs)), np.asarray(textbook(inputs))
    inside = (slice(None), slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    np.testing.assert_allclose(fast[inside], slow[inside], atol=1e-5)
    assert np.abs(fast - slow).max() > 1e-3


def test_output_carries_the_style_statistics(engine):
    content, style = landscape(), painting(3)
    out = stylize(engine, content, [style], [1.0], 1.0)
    assert out.shape == (240, 320, 3) and out.min() >= 0 and out.max() <= 1
    target = engine.style_statistics(style)
    before = statistics_distance(engine, to_array(content), target)
    after = statistics_distance(engine, out, target)
    assert after < 0.5 * before, (before, after)
    assert np.abs(out - to_array(content)).mean() > 0.05  # really restyled
    mean, cov = (np.asarray(v) for v in color_statistics(out[None]))  # the style's colours, no cast
    style_mean, style_cov = engine.network.split(target)[1]
    np.testing.assert_allclose(mean, style_mean, atol=0.02)
    content_cov = np.asarray(color_statistics(to_array(content)[None])[1])
    assert np.abs(cov - style_cov).sum() < 0.5 * np.abs(content_cov - style_cov).sum()  # clipping keeps it inexact


def test_strength_is_feature_interpolation(engine):
    content, style = landscape(), painting(5)
    target = engine.style_statistics(style)
    outs = [stylize(engine, content, [style], [1.0], a) for a in (0.0, 0.5, 1.0)]
    distances = [statistics_distance(engine, o, target) for o in outs]
    assert distances[0] > distances[1] > distances[2], distances
    to_content = [np.abs(o - to_array(content)).mean() for o in outs]
    assert to_content[0] < to_content[1] < to_content[2], to_content
    content_colour = np.asarray(color_statistics(to_array(content)[None])[0])
    np.testing.assert_allclose(np.asarray(color_statistics(outs[0][None])[0]), content_colour, atol=0.03)


def test_blends_mix_feature_statistics(engine):
    content, a, b = landscape(), painting(3), painting(9)
    only_a = stylize(engine, content, [a], [1.0], 1.0)
    one_hot = stylize(engine, content, [a, b], [1.0, 0.0], 1.0)
    np.testing.assert_allclose(one_hot, only_a, atol=1e-5)
    half = stylize(engine, content, [a, b], [0.5, 0.5], 1.0)
    sa, sb = engine.style_statistics(a), engine.style_statistics(b)
    middle = blend_statistics([sa, sb], [0.5, 0.5])
    d_middle = statistics_distance(engine, half, middle)
    assert d_middle < statistics_distance(engine, half, sa) and d_middle < statistics_distance(engine, half, sb)


def test_strength_fades_to_the_photo_keeping_the_mixed_texture_contrast(engine):
    """A plain fade averages two textures that do not line up and shows less contrast than
    either; the faded picture's contrast per scale, pixel detail included, is set to the
    strength's mix of the painting's and the photo's instead."""
    pixels, style = to_array(landscape(seed=2)), painting(5)
    prepared = engine.prepare([style], np.ones(1, np.float32))
    full, half = (engine.render(pixels, prepared, Settings(strength=a)) for a in (1.0, 0.5))
    painted = engine.network.split(engine.style_statistics(style))[2:]
    mixed = [0.5 * p + 0.5 * np.asarray(own) for p, own in zip(painted, contrasts(pixels[None])[0], strict=True)]

    def off(picture):  # how far each band's contrast (the finest last) is from the mix, over colours
        measured = contrasts(picture[None])[0]
        bands = np.asarray(measured[0]).sum(-1) / mixed[0].sum(-1)
        return np.abs(np.append(bands, np.asarray(measured[1]).sum() / mixed[1].sum()) - 1.0)

    plain = 0.5 * full + 0.5 * pixels
    assert off(half).mean() < 0.4 * off(plain).mean(), (off(half), off(plain))
    assert off(half)[-1] < 0.5 * off(plain)[-1], (off(half), off(plain))
    assert np.abs(half - pixels).mean() < np.abs(full - pixels).mean()  # and it is nearer the photo


@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_tiles_equal_one_pass(engine, strength):
    """12 tiles of 128 px with 64 px margins, statistics from the whole picture (not downscaled):
    the stitched picture is the one-pass picture, joints included."""
    pixels = to_array(landscape(480, 360, seed=4))
    style = engine.prepare([painting(7)], np.ones(1, np.float32))
    whole = engine.render(pixels, style, Settings(strength=strength))
    tiled_engine = AdaINEngine(precision="float32", tiling=Tiling(full_pass_pixels=1000, tile=128))
    reports = []
    tiled = tiled_engine.render(pixels, style, Settings(strength=strength), progress=reports.append)
    assert tiled.shape == whole.shape
    assert np.abs(tiled - whole).max() < 2e-3
    assert [(r.done, r.total, r.unit) for r in reports] == [(i, 12, "tile") for i in range(1, 13)]
    joints = np.abs(np.diff(tiled, axis=1))[:, [127, 255, 383]].mean()  # across the tile joints
    assert joints < 1.5 * np.abs(np.diff(whole, axis=1))[:, [127, 255, 383]].mean() + 1e-3


def test_api_keeps_colours_and_cli_writes_the_result(tmp_path):
    content = landscape(400, 300)
    out = nst.stylize(content, painting(3), engine="adain", size=256, preserve_color=True)
    assert out.size == (256, 192)
    original = rgb_to_ycbcr(to_array(content.resize(out.size)))[..., 1:]
    kept = rgb_to_ycbcr(to_array(out))[..., 1:]
    assert np.abs(kept - original).mean() < 0.01
    content.save(tmp_path / "photo.jpg")
    painting(9).save(tmp_path / "style.png")
    done = run_cli(tmp_path / "photo.jpg", "-s", tmp_path / "style.png", "--engine", "adain", "-o", tmp_path / "o.png")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o.png").is_file()


def test_weights_round_trip_and_missing_file_is_one_clear_error(tmp_path):
    cut, decoder = load_decoder()
    size = save_decoder(decoder, cut, tmp_path / "copy.npz")
    assert size == (tmp_path / "copy.npz").stat().st_size
    cut2, again = load_decoder(tmp_path / "copy.npz")
    assert cut2 == cut
    for w, v in zip(decoder.weights, again.weights, strict=True):
        np.testing.assert_array_equal(w.numpy(), v.numpy())
    with pytest.raises(nst.EngineUnavailable, match="weights not found"):
        AdaINEngine(tmp_path / "none.npz")


def test_a_two_level_decoder_starts_as_the_one_level_decoder_it_grows_from(tmp_path):
    """Training may start a two-level decoder from one-level weights: the 1/8 branch starts at zero."""
    tf = import_tensorflow()
    one = build_decoder("MobilenetV2__expanded_conv_3__expand")
    save_decoder(one, "MobilenetV2__expanded_conv_3__expand", tmp_path / "one.npz")
    _, one = load_decoder(tmp_path / "one.npz")  # float16 round trip, as init_decoder reads it
    two = build_decoder("two_level")
    new = init_decoder(two, tmp_path / "one.npz")
    assert sorted(new) == ["context0/bias", "context0/kernel", "context1/bias", "context1/kernel"]
    rng = np.random.default_rng(0)
    fine, coarse = rng.random((1, 12, 10, 144), np.float32), rng.random((1, 6, 5, 192), np.float32)
    np.testing.assert_allclose(np.asarray(two([fine, coarse])), np.asarray(one([fine])), atol=1e-5)
    two.get_layer("context1").kernel.assign(tf.ones_like(two.get_layer("context1").kernel))
    assert np.abs(np.asarray(two([fine, coarse])) - np.asarray(one([fine]))).mean() > 0.01  # the branch is wired in


def test_a_coded_decoder_starts_as_the_two_level_decoder_and_then_follows_the_style_code(tmp_path):
    """The style code modulates the 1/8 branch (FiLM); its last layer starts at zero."""
    tf = import_tensorflow()
    two = build_decoder("two_level")
    two.get_layer("context1").kernel.assign(tf.random.stateless_normal(two.get_layer("context1").kernel.shape, (1, 2)))
    save_decoder(two, "two_level", tmp_path / "two.npz")
    _, two = load_decoder(tmp_path / "two.npz")
    coded = build_decoder("two_level_coded")
    new = sorted(init_decoder(coded, tmp_path / "two.npz"))
    assert new == ["film0/bias", "film0/kernel", "film1/bias", "film1/kernel"]
    rng = np.random.default_rng(0)
    fine, coarse = rng.random((1, 12, 10, 144), np.float32), rng.random((1, 6, 5, 192), np.float32)
    codes = [rng.random((1, 384), np.float32) for _ in range(2)]
    for code in codes:
        np.testing.assert_allclose(np.asarray(coded([fine, coarse, code])), np.asarray(two([fine, coarse])), atol=1e-5)
    coded.get_layer("film1").kernel.assign(tf.random.stateless_normal(coded.get_layer("film1").kernel.shape, (3, 4)))
    first, second = (np.asarray(coded([fine, coarse, code])) for code in codes)
    assert np.abs(first - second).mean() > 0.01  # the code is wired in
