"""Creates an IAM user holding docs/iam-policy.json minus the given actions, then switches
on moto's IAM enforcement, and prints the user's access key as JSON.

Usage: iam_reader.py ENDPOINT_URL [ACTION_TO_REMOVE ...]

Only for a private moto server started with INITIAL_NO_AUTH_ACTION_COUNT set: enforcement
applies to the whole server, and every later request must be signed by a known user.
"""

import json
import os
import sys
import urllib.request

import boto3


def main() -> None:
    endpoint, removed = sys.argv[1], set(sys.argv[2:])
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "docs", "iam-policy.json")) as f:
        policy = json.load(f)
    for statement in policy["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a not in removed]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    iam.create_user(UserName="vpcscope-reader")
    iam.put_user_policy(UserName="vpcscope-reader", PolicyName="vpcscope", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="vpcscope-reader")["AccessKey"]
    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request).read()
    json.dump({"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}, sys.stdout)


if __name__ == "__main__":
    main()
