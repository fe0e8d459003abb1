"""Live camera: paint a stream's frames as they come (the app's WebRTC section and its benchmark)."""

from nst.live.stream import (
    DEFAULT_SIDE,
    ICE_ENV,
    MAX_SIDE,
    MIN_SIDE,
    PAINT_SCALES,
    LiveStats,
    LiveStylizer,
    ice_servers,
    live_size,
    warm_up,
)

__all__ = [
    "PAINT_SCALES",
    "DEFAULT_SIDE",
    "ICE_ENV",
    "MAX_SIDE",
    "MIN_SIDE",
    "LiveStats",
    "LiveStylizer",
    "ice_servers",
    "live_size",
    "warm_up",
]
