"""A raw-HTTP tus client and a TCP proxy that cuts connections (for the tests and bench/tus_resume.py)."""

import base64
import contextlib
import http.client
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to ``target``; drops the connection when the bytes sent upstream reach each of
    ``cuts`` (absolute counts over the proxy's life). ``rate`` bytes/s emulates a slow line (0: unlimited)."""

    def __init__(self, target: str, *, cuts: list[int] = (), rate: int = 0):
        host, port = urlsplit(target).hostname, urlsplit(target).port
        self.target = (host, port)
        self.cuts = sorted(cuts)
        self.rate = rate
        self.upstream_bytes = 0
        self.cut_at: list[int] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(upstream, client), daemon=True).start()

    def _pump_up(self, client, upstream):
        try:
            while True:
                data = client.recv(4096)
                if not data:
                    break
                with self.lock:
                    cut = None
                    if self.cuts and self.upstream_bytes + len(data) >= self.cuts[0]:
                        cut = self.cuts.pop(0)
                        data = data[: max(0, cut - self.upstream_bytes)]
                    self.upstream_bytes += len(data)
                if data:
                    upstream.sendall(data)
                if cut is not None:
                    self.cut_at.append(self.upstream_bytes)
                    break
                if self.rate:
                    time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for s in (client, upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _pump_down(self, upstream, client):
        try:
            while True:
                data = upstream.recv(4096)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass

    def close(self):
        self.listener.close()


@dataclass
class Result:
    location: str = ""
    status: int = 0
    payload_sent: int = 0
    failures: int = 0
    requests: int = 0
    offsets_after_cut: list[int] = field(default_factory=list)
    body: bytes = b""


def _conn(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def upload(base: str, data: bytes, *, meta: str, headers: dict, chunk: int = 256 * 1024, tries: int = 20) -> Result:
    """Create the upload, PATCH it in ``chunk``-sized requests; after a dropped connection ask HEAD for the
    offset and go on from there, as a tus client does."""
    result = Result()
    base_headers = {"Tus-Resumable": "1.0.0", **headers}
    conn = _conn(base)
    conn.request(
        "POST", "/api/v1/uploads/", headers={**base_headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    )
    response = conn.getresponse()
    result.body = response.read()
    result.status = response.status
    conn.close()
    if response.status != 201:
        return result
    location = result.location = response.getheader("Location")
    offset = 0
    while offset < len(data) and tries > 0:
        piece = data[offset : offset + chunk]
        try:
            conn = _conn(base)
            conn.request(
                "PATCH",
                location,
                body=piece,
                headers={
                    **base_headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            result.payload_sent += len(piece)
            result.requests += 1
            response = conn.getresponse()
            result.body = response.read()
            result.status = response.status
            conn.close()
            if response.status != 204:
                if response.status == 409:
                    time.sleep(0.2)
                    offset = head(base, location, base_headers)
                    continue
                return result
            offset = int(response.getheader("Upload-Offset"))
        except (OSError, http.client.HTTPException):
            result.failures += 1
            tries -= 1
            time.sleep(0.2)
            offset = head(base, location, base_headers)
            result.offsets_after_cut.append(offset)
    return result


def head(base: str, location: str, headers: dict) -> int:
    """The offset the server has (retried while the line is down)."""
    for _ in range(20):
        try:
            conn = _conn(base)
            conn.request("HEAD", location, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            return int(response.getheader("Upload-Offset"))
        except (OSError, http.client.HTTPException, TypeError):
            time.sleep(0.2)
    raise RuntimeError("HEAD never answered")
