"""Many callers at once: same images as one at a time, and a bound on simultaneous inferences."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import nst
from nst.runtime.slots import InferenceSlots, give_way, inference_slots
from tests.helpers.pictures import landscape, painting


def test_eight_threads_match_sequential_results():
    jobs = [
        (landscape(200 + 8 * i, 150, seed=i), painting(i % 3), 0.5 + 0.5 * (i % 2), "magenta") for i in range(6)
    ] + [(landscape(180, 180, seed=9), None, 1.0, "preset"), (landscape(160, 200, seed=11), None, 0.7, "preset")]

    def run(job):
        content, style, strength, engine = job
        if engine == "preset":
            return np.asarray(nst.stylize(content, preset=5, strength=strength, size=256))
        return np.asarray(nst.stylize(content, style, strength=strength, size=256))

    sequential = [run(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(run, jobs))
    for a, b in zip(sequential, concurrent, strict=True):
        assert a.shape == b.shape
        assert np.abs(a.astype(np.int16) - b.astype(np.int16)).max() <= 1


def test_slots_bound_concurrency_and_report_the_queue():
    slots = InferenceSlots(2)
    running = peak = 0
    lock = threading.Lock()
    queued: list[int] = []

    def job(_):
        nonlocal running, peak
        with slots.hold(on_queue=queued.append):
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(job, range(8)))
    assert peak == 2
    assert len(queued) >= 5 and min(queued) >= 1  # the others were told they wait
    assert slots.waiting == 0


def test_the_smallest_waiting_picture_goes_first_and_a_cancelled_one_leaves_the_line():
    from nst.runtime.progress import Cancelled, CancelToken

    slots, order, gone = InferenceSlots(1), [], CancelToken()

    def job(cost, token=None):
        try:
            with slots.hold(cancel=token, cost=cost):
                order.append(cost)
        except Cancelled:
            order.append(f"cancelled {cost}")

    with slots.hold():  # every slot taken while they line up, in this order
        threads = []
        for cost, token in ((49e6, None), (0.8e6, None), (49e6, gone), (12e6, None)):
            threads.append(threading.Thread(target=job, args=(cost, token)))
            threads[-1].start()
            while slots.waiting < len(threads):
                time.sleep(0.01)
        gone.cancel()
        for _ in range(100):
            if order:
                break
            time.sleep(0.05)
    for thread in threads:
        thread.join(10)
    assert order == ["cancelled 49000000.0", 0.8e6, 12e6, 49e6] and slots.waiting == 0


def test_a_long_job_gives_way_to_a_cheaper_one_and_a_cancel_meanwhile_frees_nothing_twice():
    from nst.runtime.progress import Cancelled, CancelToken

    slots, order, leave = InferenceSlots(1), [], CancelToken()
    running = peak = 0
    lock = threading.Lock()

    def short(name, cost):
        nonlocal running, peak
        with slots.hold(cost=cost):
            with lock:
                running += 1
                peak = max(peak, running)
            order.append(name)
            time.sleep(0.3)
            with lock:
                running -= 1

    def long():
        try:
            with slots.hold(cancel=leave, cost=1e9):
                order.append("long starts")
                while slots.waiting == 0:
                    time.sleep(0.01)
                give_way()  # the cheap job runs now; the client leaves while this one waits
                order.append("long resumed")
        except Cancelled:
            order.append("long cancelled")

    first = threading.Thread(target=long)
    first.start()
    while not order:
        time.sleep(0.01)
    cheap = threading.Thread(target=short, args=("cheap", 1.0))
    cheap.start()
    while "cheap" not in order:
        time.sleep(0.01)
    leave.cancel()
    for thread in (first, cheap):
        thread.join(10)
    after = [threading.Thread(target=short, args=(f"after {i}", 1.0)) for i in range(3)]
    for thread in after:
        thread.start()
    for thread in after:
        thread.join(10)
    assert order[:3] == ["long starts", "cheap", "long cancelled"]
    assert peak == 1 and slots.waiting == 0  # one slot still: the cancelled job gave back nothing it did not hold


def test_stylize_reports_queueing(style_image):
    """Every slot busy, as if other users were being served: the next call is told it waits."""
    held = inference_slots()
    release, entered = threading.Event(), threading.Barrier(held.count + 1)

    def busy_user():
        with held.hold():
            entered.wait()
            release.wait(timeout=60)

    users = [threading.Thread(target=busy_user) for _ in range(held.count)]
    for user in users:
        user.start()
    entered.wait(timeout=30)
    positions: list[int] = []
    worker = threading.Thread(
        target=lambda: nst.stylize(landscape(96, 64), style_image, size=96, on_queue=positions.append)
    )
    try:
        worker.start()
        deadline = time.monotonic() + 10
        while not positions and time.monotonic() < deadline:
            time.sleep(0.01)
        assert positions == [1]
    finally:
        release.set()
        for user in users:
            user.join(timeout=10)
    worker.join(timeout=60)
    assert not worker.is_alive()
