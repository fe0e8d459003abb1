"""Which addresses a process tree listens on, from /proc (what `ss -ltnp` shows), without tools;
its processes by name; a raw connection to a server, for clients that misbehave on purpose."""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """``pid`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += parents.get(current, [])
    return found


def processes_named(pid: int, text: bytes) -> list[int]:
    """The processes below ``pid`` (itself included) whose command line contains ``text``; Ray
    names its actors' processes so, e.g. ``ServeReplica:nst:Stylizer``."""
    found = []
    for member in descendants(pid):
        try:
            if text in Path(f"/proc/{member}/cmdline").read_bytes():
                found.append(member)
        except OSError:  # gone meanwhile
            continue
    return found


def connect(url: str, timeout: float = 30.0) -> socket.socket:
    """A TCP connection to the server at ``url`` (``http://host:port``), to write bytes by hand."""
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return f"{socket.inet_ntoa(struct.pack('<I', int(host, 16)))}:{int(port, 16)}"
    words = struct.unpack("<4I", raw)  # /proc writes IPv6 as four little-endian words
    return f"[{socket.inet_ntop(socket.AF_INET6, struct.pack('>4I', *words))}]:{int(port, 16)}"


def listening(pid: int) -> list[str]:
    """The TCP addresses the process tree of ``pid`` listens on, e.g. ``127.0.0.1:8000``."""
    inodes: set[str] = set()
    for member in descendants(pid):
        try:
            for fd in os.scandir(f"/proc/{member}/fd"):
                target = os.readlink(fd.path)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(_address(fields[1]))
    return sorted(set(found))


def loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    return host in ("::1", "::ffff:127.0.0.1") or host.startswith("127.")
