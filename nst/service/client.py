"""A client of the HTTP service, for front ends that leave inference to a pool of servers
(the app with ``NST_SERVER_URL``): it sends a :class:`~nst.request.model.Request` as the
service's form, and the service's refusals come back as this package's errors, with the
service's one line."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from nst.errors import EngineUnavailable, ImageError, NSTError, OptionError
from nst.io.images import encode, load_image
from nst.request.model import Request

TIMEOUT = 600  # s: a large Gatys picture takes minutes
# the service's refusals as this package's errors: a bad picture, a bad setting, or not now/not here
REFUSALS: dict[int, type[NSTError]] = {
    400: ImageError, 413: ImageError, 422: OptionError, 429: EngineUnavailable, 501: EngineUnavailable,
    503: EngineUnavailable,
}  # fmt: skip


def as_bytes(source: Any, name: str) -> bytes:
    """A picture to send: bytes as they are, anything else decoded and sent as PNG."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    return encode(load_image(source, name=name), "PNG")


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
        raise REFUSALS.get(answer.status_code, NSTError)(message)

    def engines(self) -> dict[str, dict]:
        """The service's engines by name, with whether each can run there and why not."""
        return {e["name"]: e for e in self._call("GET", "/v1/engines").json()}

    def run(self, request: Request) -> Image.Image:
        """The request's picture, as :func:`nst.api.run` makes it, from the service."""
        files = [("content", (request.content_name, as_bytes(request.content, request.content_name)))]
        files += [("style", (n, as_bytes(s, n))) for s, n in zip(request.styles, request.style_names, strict=True)]
        if request.mask is not None:
            files.append(("mask", ("mask", as_bytes(request.mask, "mask"))))
        answer = self._call("POST", "/v1/stylize", files=files, data=request.form())
        picture = Image.open(io.BytesIO(answer.content))
        picture.load()
        return picture

    def stylize(self, content: Any, styles: list | None = None, **fields: Any) -> Image.Image:
        """:meth:`run` of the request made of ``content``, ``styles`` and the request's other fields."""
        return self.run(Request(content=content, styles=styles or (), **fields))
