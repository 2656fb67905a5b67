"""A real HTTP server on 127.0.0.1 (a free port), in a thread, for the outbound client's tests:
each path answers what `route()` set, and every request it got is kept in `requests`."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes = b""
    # One status per request, the last one repeated: [500, 200] fails once, then answers.
    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0  # seconds before answering
    length: bool = True  # send Content-Length (else the body ends when the connection does)
    headers: dict[str, str] = field(default_factory=dict)


class Handler(BaseHTTPRequestHandler):
    server: "Server"

    def do_GET(self):
        path = urlsplit(self.path).path
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(path, Route(b"introuvable", statuses=[404]))
        count = sum(1 for seen, _ in self.server.requests if urlsplit(seen).path == path)
        status = route.statuses[min(count, len(route.statuses)) - 1]
        time.sleep(route.delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if route.length:
                self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: too big, too slow

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []

    def handle_error(self, request, client_address):
        pass


class LocalServer:
    def __enter__(self):
        self.server = Server()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def route(self, path: str, body: bytes = b"", **options) -> None:
        self.server.routes[path] = Route(body, **options)

    @property
    def requests(self) -> list[tuple[str, dict]]:
        return self.server.requests
