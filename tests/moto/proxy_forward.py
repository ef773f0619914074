"""What the proxies of tests/moto share: answering a request, and forwarding one to moto
unchanged (method, path, headers but the hop-by-hop ones, body)."""

import urllib.error
import urllib.request


def reply(handler, status, body, content_type):
    """Answers the request `handler` (a BaseHTTPRequestHandler) is serving."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def forward(handler, upstream, body):
    """Sends the request `handler` is serving to `upstream` and answers with its response."""
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length", "connection")}
    request = urllib.request.Request(upstream + handler.path, data=body or None, method=handler.command, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            status, data, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        status, data, kind = err.code, err.read(), err.headers.get("Content-Type", "")
    reply(handler, status, data, kind or "text/plain")
