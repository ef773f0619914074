"""A local HTTP server in front of a moto server that refuses some STS AssumeRole calls, for
the multi-account `vpcscope snapshot` tests (moto assumes any role it is asked for).

Usage: sts_proxy.py UPSTREAM_URL DENIED_ACCOUNTS EXTERNAL_ID

Prints the port it listens on (127.0.0.1) as the first line of stdout, then serves until
killed. An AssumeRole call (STS query protocol: `Action=AssumeRole` in the form body) is
answered `AccessDenied` as STS answers it when the role's ARN names an account of
DENIED_ACCOUNTS (comma-separated, may be empty), or when EXTERNAL_ID is not empty and the call
does not carry it as `ExternalId` (a trust policy with an `sts:ExternalId` condition). Every
other request goes to moto unchanged.
"""

import http.server
import sys
import urllib.parse

import proxy_forward

DENIED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: sts:AssumeRole on resource: {arn}</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>
"""


def main() -> None:
    upstream = sys.argv[1].rstrip("/")
    denied = {a for a in sys.argv[2].split(",") if a}
    external_id = sys.argv[3]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test prints what matters
            pass

        def reply(self, status, body, content_type):
            proxy_forward.reply(self, status, body, content_type)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
            if form.get("Action") == ["AssumeRole"]:
                arn = form.get("RoleArn", [""])[0]
                account = arn.split(":")[4] if arn.count(":") >= 5 else ""
                if account in denied or (external_id and form.get("ExternalId", [""])[0] != external_id):
                    return self.reply(403, DENIED.format(arn=arn).encode(), "text/xml")
            self.forward(body)

        def forward(self, body):
            proxy_forward.forward(self, upstream, body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
