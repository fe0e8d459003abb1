"""The package's error types: one base, so callers can catch everything we raise on purpose."""


class NSTError(Exception):
    """Any error this package raises for a reason it can explain in one line."""


class ImageError(NSTError, ValueError):
    """An input image that cannot be used: unreadable, corrupt, too small or too large."""


class VideoError(NSTError, ValueError):
    """An input video that cannot be used: not a video, corrupt, truncated, no frames, too large."""


class OptionError(NSTError, ValueError):
    """A setting out of range or inconsistent with the others (strength, size, weights, engine)."""


class EngineUnavailable(NSTError):
    """An engine that cannot run here, e.g. a TF-Hub model with no network and no local copy."""
