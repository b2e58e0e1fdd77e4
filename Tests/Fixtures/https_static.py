"""An HTTPS server for the tests: answers every GET with one file's bytes.

It stands in for a sensor REST API behind TLS. HTTP and TLS are Python's
own (http.server, ssl with the given certificate); nothing of either
protocol is imitated here.

Usage: https_static.py PORT CERT KEY FILE CONTENT_TYPE
"""
import http.server
import ssl
import sys

port, cert, key, path, content_type = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
