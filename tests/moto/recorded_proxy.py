"""A local HTTP server that answers Network Firewall calls from recorded responses and
forwards every other request to a moto server, for the `vpcscope snapshot` tests.

Usage: recorded_proxy.py UPSTREAM_URL RECORDED_JSON

Prints the port it listens on (127.0.0.1) as the first line of stdout, then serves until
killed. RECORDED_JSON (tests/data/network-firewall/inspection.json) maps each operation to
its response body: `ListFirewalls` to one body, and `DescribeFirewall`,
`DescribeFirewallPolicy`, `DescribeRuleGroup` to one body per ARN. Network Firewall speaks
JSON 1.0 (`X-Amz-Target: NetworkFirewall_20201112.<Operation>`), and its response bodies are
what the AWS CLI prints, so a capture through this server exercises the SDK's real decoding of
the documented shapes; moto (5.1) implements no firewall policy or rule group call. An ARN
that is not recorded answers ResourceNotFoundException, as Network Firewall does.
"""

import http.server
import json
import sys

import proxy_forward

TARGET_PREFIX = "NetworkFirewall_20201112."
# The request member that names the resource of each recorded describe call.
ARN_MEMBER = {
    "DescribeFirewall": "FirewallArn",
    "DescribeFirewallPolicy": "FirewallPolicyArn",
    "DescribeRuleGroup": "RuleGroupArn",
}


def main() -> None:
    upstream, recorded_path = sys.argv[1].rstrip("/"), sys.argv[2]
    with open(recorded_path) as f:
        recorded = json.load(f)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test prints what matters
            pass

        def reply(self, status, body, content_type):
            proxy_forward.reply(self, status, body, content_type)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            target = self.headers.get("X-Amz-Target", "")
            if target.startswith(TARGET_PREFIX):
                self.firewall(target[len(TARGET_PREFIX):], body)
            else:
                self.forward(body)

        def firewall(self, op, body):
            kind = "application/x-amz-json-1.0"
            if op == "ListFirewalls":
                return self.reply(200, json.dumps(recorded["ListFirewalls"]).encode(), kind)
            if op in ARN_MEMBER:
                arn = json.loads(body or b"{}").get(ARN_MEMBER[op], "")
                answer = recorded.get(op, {}).get(arn)
                if answer is not None:
                    return self.reply(200, json.dumps(answer).encode(), kind)
                error = {"__type": "ResourceNotFoundException", "message": f"{arn} not found"}
                return self.reply(400, json.dumps(error).encode(), kind)
            error = {"__type": "InvalidRequestException", "message": f"{op} is not recorded"}
            self.reply(400, json.dumps(error).encode(), kind)

        def forward(self, body):
            proxy_forward.forward(self, upstream, body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
