"""A client of the HTTP service, for front ends that leave inference to a pool of servers
(the app with ``NST_SERVER_URL``): the service's refusals come back as this package's errors,
with the service's one line."""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image

from nst.errors import EngineUnavailable, ImageError, NSTError, OptionError

SERVER_ENV = "NST_SERVER_URL"
TIMEOUT = 600  # s: a large Gatys picture takes minutes


class RemoteService:
    """``POST /v1/stylize`` and ``GET /v1/engines`` of the service at ``url``; thread-safe."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, **kwargs) -> Any:
        import requests

        try:
            answer = requests.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException:
            raise EngineUnavailable(f"the style server at {self.url} does not answer; try again later") from None
        if answer.status_code == 200:
            return answer
        try:
            message = answer.json()["error"]
        except (ValueError, KeyError, TypeError):
            message = f"the style server answered {answer.status_code}"
        kind = {400: ImageError, 413: ImageError, 422: OptionError, 503: EngineUnavailable}.get(answer.status_code)
        raise (kind or NSTError)(message)

    def engines(self) -> dict[str, dict]:
        """The service's engines by name, with whether each can run there and why not."""
        return {e["name"]: e for e in self._call("GET", "/v1/engines").json()}

    def stylize(
        self,
        content: bytes,
        styles: list[bytes] | None = None,
        *,
        engine: str | None = None,
        preset: int | str | None = None,
        strength: float = 1.0,
        size: int = 1024,
        upscale: bool = False,
        preserve_color: bool = False,
        stroke_scale: float = 1.0,
        style_weights: tuple[float, ...] | None = None,
        options: dict[str, Any] | None = None,
        mask: bytes | None = None,
        feather: float | None = None,
    ) -> Image.Image:
        """The stylized picture, as :func:`nst.stylize` makes it, from the service (with a
        ``mask``, ``preset`` may be the inside and outside styles as a list)."""
        files = [("content", ("content", content))] + [("style", (f"style{i}", s)) for i, s in enumerate(styles or [])]
        if mask is not None:
            files.append(("mask", ("mask", mask)))
        data = {
            "strength": str(strength),
            "size": str(size),
            "upscale": str(upscale).lower(),
            "preserve_color": str(preserve_color).lower(),
            "stroke_scale": str(stroke_scale),
        }
        if engine:
            data["engine"] = engine
        if preset is not None:
            data["preset"] = ",".join(map(str, preset)) if isinstance(preset, list | tuple) else str(preset)
        if feather is not None:
            data["feather"] = str(feather)
        if style_weights:
            data["weights"] = ",".join(str(w) for w in style_weights)
        if options:
            data["options"] = json.dumps(options)
        answer = self._call("POST", "/v1/stylize", files=files, data=data)
        picture = Image.open(io.BytesIO(answer.content))
        picture.load()
        return picture
