"""``python -m gateway [--host H] [--port P] [--store FILE] [--cert C --key K [--client-ca CA]]``: the stand-in
alone, for the production layout (``make gateway``). With --client-ca it demands a client certificate (mutual TLS)."""

import argparse
import ssl
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gateway.app import make_app


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        # Paths only: query strings carry RNOKPPs.
        self.log_message('"%s %s" %s', self.command, self.path.split("?", 1)[0], code)


def main() -> None:
    parser = argparse.ArgumentParser(description="Exchange gateway stand-in (docs/registries.md)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--store", default=None, help="SQLite file (default var/gateway.sqlite3)")
    parser.add_argument("--cert", help="server certificate (PEM) to serve HTTPS")
    parser.add_argument("--key", help="server private key (PEM)")
    parser.add_argument("--client-ca", help="CA that client certificates must chain to (mutual TLS)")
    args = parser.parse_args()
    server = make_server(
        args.host, args.port, make_app(args.store), server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    scheme = "http"
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    print(f"gateway stand-in on {scheme}://{args.host}:{args.port}/_gateway/")
    server.serve_forever()


if __name__ == "__main__":
    main()
