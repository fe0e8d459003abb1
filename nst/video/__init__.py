"""Video: stylize a clip frame by frame on the engine contract, without flicker."""

from nst.video.pipeline import VideoResult, stylize_video

__all__ = ["VideoResult", "stylize_video"]
