"""Builds an inspection VPC with an AWS Network Firewall in a moto server, for the
`vpcscope snapshot` tests.

Usage: build_firewall.py ENDPOINT_URL REGION

Prints one JSON object on stdout naming the ids the tests ask about. moto (5.1) implements
CreateFirewall, ListFirewalls and DescribeFirewall only: a firewall policy cannot be created,
so the firewall names a policy ARN that does not exist, and DescribeFirewall's status has no
SyncStates (no endpoints). The policy and rule group shapes are tested with recorded outputs
instead (tests/data/network-firewall/inspection.json).
"""

import json
import sys
import uuid

import boto3


def main() -> None:
    endpoint, region = sys.argv[1], sys.argv[2]
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region)
    nfw = boto3.client("network-firewall", endpoint_url=endpoint, region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=region + zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.50.0.0/28", "a"), ("10.50.0.16/28", "b"))
    ]
    account = "123456789012"
    policy = f"arn:aws:network-firewall:{region}:{account}:firewall-policy/inspection-policy"
    # Firewall names are unique per region; a suffix lets the script run twice on one server.
    created = nfw.create_firewall(
        FirewallName="inspection-" + uuid.uuid4().hex[:8],
        FirewallPolicyArn=policy,
        VpcId=vpc,
        SubnetMappings=[{"SubnetId": s} for s in subnets],
        DeleteProtection=False,
        Description="inspection firewall",
    )
    json.dump(
        {"vpc": vpc, "subnets": subnets, "firewall": created["Firewall"]["FirewallArn"], "policy": policy},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
