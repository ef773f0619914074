"""Writes what the AWS CLI would print for the calls `vpcscope snapshot` makes.

Usage: cli_dump.py ENDPOINT_URL REGION OUT_DIR

boto3 and the AWS CLI share botocore, so a boto3 response (minus ResponseMetadata and
paging tokens) is exactly the JSON `aws ec2 describe-* --output json` prints. The tests
compare a vpcscope capture with this dump: every key vpcscope writes must exist here with
the same value, and both directories must load to the same model.

Timestamps are written the way vpcscope writes them (RFC 3339, UTC, `Z`), so values can
be compared exactly; the CLI itself prints `+00:00` offsets.
"""

import datetime
import json
import os
import sys

import boto3


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in ("ResponseMetadata", "NextToken", "Marker")}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.timezone.utc)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += ("." + f"{value.microsecond:06d}").rstrip("0")
        return text + "Z"
    return value


def main() -> None:
    endpoint, region, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region)
    rds = boto3.client("rds", endpoint_url=endpoint, region_name=region)
    os.makedirs(out, exist_ok=True)

    def write(key, items):
        with open(os.path.join(out, key + ".json"), "w") as f:
            json.dump({key: clean(items)}, f, indent=1)

    def paged(client, op, key, **kw):
        items = []
        for page in client.get_paginator(op).paginate(**kw):
            items.extend(page[key])
        return items

    simple = [
        ("describe_vpcs", "Vpcs"),
        ("describe_subnets", "Subnets"),
        ("describe_route_tables", "RouteTables"),
        ("describe_network_acls", "NetworkAcls"),
        ("describe_security_groups", "SecurityGroups"),
        ("describe_network_interfaces", "NetworkInterfaces"),
        ("describe_instances", "Reservations"),
        ("describe_internet_gateways", "InternetGateways"),
        ("describe_egress_only_internet_gateways", "EgressOnlyInternetGateways"),
        ("describe_nat_gateways", "NatGateways"),
        ("describe_vpc_peering_connections", "VpcPeeringConnections"),
        ("describe_transit_gateways", "TransitGateways"),
        ("describe_transit_gateway_attachments", "TransitGatewayAttachments"),
        ("describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments"),
        ("describe_transit_gateway_route_tables", "TransitGatewayRouteTables"),
        ("describe_vpc_endpoints", "VpcEndpoints"),
        ("describe_prefix_lists", "PrefixLists"),
        ("describe_flow_logs", "FlowLogs"),
    ]
    for op, key in simple:
        write(key, paged(ec2, op, key))
    write("Addresses", ec2.describe_addresses()["Addresses"])
    write("VpnGateways", ec2.describe_vpn_gateways()["VpnGateways"])
    conns = ec2.describe_vpn_connections()["VpnConnections"]
    for c in conns:
        # vpcscope never writes the pre-shared keys this XML holds.
        c.pop("CustomerGatewayConfiguration", None)
    write("VpnConnections", conns)
    write("CustomerGateways", ec2.describe_customer_gateways()["CustomerGateways"])
    write("DBInstances", paged(rds, "describe_db_instances", "DBInstances"))

    tables = paged(ec2, "describe_transit_gateway_route_tables", "TransitGatewayRouteTables")
    ids = [t["TransitGatewayRouteTableId"] for t in tables]
    write("TransitGatewayRoutes", [
        {
            "TransitGatewayRouteTableId": i,
            "Routes": ec2.search_transit_gateway_routes(
                TransitGatewayRouteTableId=i, Filters=[{"Name": "type", "Values": ["static", "propagated"]}]
            )["Routes"],
            "AdditionalRoutesAvailable": False,
        }
        for i in ids
    ])
    write("TransitGatewayPropagations", [
        {
            "TransitGatewayRouteTableId": i,
            "TransitGatewayRouteTablePropagations": paged(
                ec2, "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
                TransitGatewayRouteTableId=i,
            ),
        }
        for i in ids
    ])
    write("TransitGatewayRouteTableAssociations", [
        {
            "TransitGatewayRouteTableId": i,
            "Associations": paged(
                ec2, "get_transit_gateway_route_table_associations", "Associations", TransitGatewayRouteTableId=i
            ),
        }
        for i in ids
    ])

    # Load balancers, as vpcscope stores them: ELBv2 and Classic listings, and per load
    # balancer, listener (of an ALB) and target group the wrapper shape of Batfish's layout.
    elbv2 = boto3.client("elbv2", endpoint_url=endpoint, region_name=region)
    elb = boto3.client("elb", endpoint_url=endpoint, region_name=region)
    lbs = paged(elbv2, "describe_load_balancers", "LoadBalancers")
    write("LoadBalancers", lbs)
    listeners = [
        {"LoadBalancerArn": lb["LoadBalancerArn"],
         "Listeners": paged(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"])}
        for lb in lbs
    ]
    write("LoadBalancerListeners", listeners)
    albs = {lb["LoadBalancerArn"] for lb in lbs if lb.get("Type") == "application"}
    write("LoadBalancerListenerRules", [
        {"ListenerArn": l["ListenerArn"], "Rules": paged(elbv2, "describe_rules", "Rules", ListenerArn=l["ListenerArn"])}
        for entry in listeners if entry["LoadBalancerArn"] in albs
        for l in entry["Listeners"]
    ])
    write("LoadBalancerAttributes", [
        {"LoadBalancerArn": lb["LoadBalancerArn"],
         "Attributes": elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
        for lb in lbs
    ])
    groups = paged(elbv2, "describe_target_groups", "TargetGroups")
    write("TargetGroups", groups)
    write("LoadBalancerTargetHealth", [
        {"TargetGroupArn": g["TargetGroupArn"],
         "TargetHealthDescriptions": elbv2.describe_target_health(TargetGroupArn=g["TargetGroupArn"])["TargetHealthDescriptions"]}
        for g in groups
    ])
    write("TargetGroupAttributes", [
        {"TargetGroupArn": g["TargetGroupArn"],
         "Attributes": elbv2.describe_target_group_attributes(TargetGroupArn=g["TargetGroupArn"])["Attributes"]}
        for g in groups
    ])
    write("LoadBalancerDescriptions", paged(elb, "describe_load_balancers", "LoadBalancerDescriptions"))

    # The endpoint services file holds the CLI's two keys, ServiceDetails and ServiceNames.
    services = ec2.describe_vpc_endpoint_services()
    with open(os.path.join(out, "VpcEndpointServices.json"), "w") as f:
        json.dump(clean({k: services[k] for k in ("ServiceDetails", "ServiceNames")}), f, indent=1)

    # Network Firewall: each element is the output of the describe call. The policies and rule
    # groups are those the firewalls use (moto implements neither; its regions here have no
    # firewall, so both lists are empty).
    nfw = boto3.client("network-firewall", endpoint_url=endpoint, region_name=region)
    arns = [f["FirewallArn"] for f in paged(nfw, "list_firewalls", "Firewalls")]
    firewalls = [nfw.describe_firewall(FirewallArn=a) for a in arns]
    write("Firewalls", firewalls)
    policy_arns = list(dict.fromkeys(f["Firewall"]["FirewallPolicyArn"] for f in firewalls))
    policies = [nfw.describe_firewall_policy(FirewallPolicyArn=a) for a in policy_arns]
    write("FirewallPolicies", policies)
    group_arns = list(dict.fromkeys(
        ref["ResourceArn"]
        for p in policies
        for kind in ("StatelessRuleGroupReferences", "StatefulRuleGroupReferences")
        for ref in p["FirewallPolicy"].get(kind, [])
    ))
    write("RuleGroups", [nfw.describe_rule_group(RuleGroupArn=a) for a in group_arns])

    # describe-managed-prefix-lists prints {"PrefixLists": [...]}, the key describe-prefix-lists
    # also uses; the capture stores it under "ManagedPrefixLists" so the two never collide.
    lists = paged(ec2, "describe_managed_prefix_lists", "PrefixLists")
    write("ManagedPrefixLists", lists)
    write("PrefixListEntries", [
        {
            "PrefixListId": pl["PrefixListId"],
            "Entries": paged(ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=pl["PrefixListId"]),
        }
        for pl in lists
    ])


if __name__ == "__main__":
    main()
