"""Builds a realistic network in a moto server, for the `vpcscope snapshot` tests.

Usage: build_network.py ENDPOINT_URL REGION

Prints one JSON object on stdout naming the ids the tests ask about. Each test uses its own
region, because every test talks to the same moto server and moto keeps one state per
region. Credentials come from the environment (scripts/test.sh sets fake ones).

The network (all in REGION):

* shop VPC 10.10.0.0/16
  * public subnet 10.10.1.0/24: route 0.0.0.0/0 -> internet gateway; NAT gateway with an
    Elastic IP; "web" instance with a public IP, SG web (443 from anywhere).
  * app subnet 10.10.2.0/24: route 0.0.0.0/0 -> NAT gateway, 10.30.0.0/16 -> transit
    gateway, 10.20.0.0/16 -> peering; the S3 gateway endpoint; "app" instance, SG app
    (8080 from SG web: an SG that references another SG).
  * db subnet 10.10.3.0/24: custom NACL that admits 5432 from the app subnet but lets out
    only ports 0-1023 (no ephemeral return ports); "db" instance (moto gives RDS no ENI, so
    an instance stands in for the database), SG db (5432 from SG app, and from a managed
    prefix list); an RDS instance in a subnet group for DescribeDBInstances.
  * an egress-only internet gateway and a flow log.
* partner VPC 10.20.0.0/16, peered with shop (active), "partner" instance, SG allowing
  5432 from 10.10.0.0/16.
* load balancers in the shop VPC: an internet-facing ALB (HTTP 80 -> app:8080, a path rule),
  an internal NLB (TCP 5432 -> db:5432, client IP preservation on) and a Classic Load
  Balancer (TCP 8080 -> app:8080).
* hub VPC 10.30.0.0/16 behind a transit gateway with both VPC attachments associated with
  and propagating to its default TGW route table, plus a static and a blackhole TGW route.
"""

import json
import sys
import uuid

import boto3


def main() -> None:
    endpoint, region = sys.argv[1], sys.argv[2]
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region)
    rds = boto3.client("rds", endpoint_url=endpoint, region_name=region)
    az = region + "a"
    # RDS names must be unique per region; a suffix lets the script run twice on one server.
    suffix = uuid.uuid4().hex[:8]

    def tag(resource_type, name):
        return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]

    def vpc(cidr, name):
        return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tag("vpc", name))["Vpc"]["VpcId"]

    def subnet(vpc_id, cidr, name):
        return ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az, TagSpecifications=tag("subnet", name)
        )["Subnet"]["SubnetId"]

    def sg(vpc_id, name):
        return ec2.create_security_group(
            VpcId=vpc_id, GroupName=name, Description=name + " tier", TagSpecifications=tag("security-group", name)
        )["GroupId"]

    def instance(subnet_id, sg_id, name, public=False):
        res = ec2.run_instances(
            ImageId="ami-12c6146b",
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[
                {"DeviceIndex": 0, "SubnetId": subnet_id, "Groups": [sg_id], "AssociatePublicIpAddress": public}
            ],
            TagSpecifications=tag("instance", name),
        )
        inst = res["Instances"][0]
        return inst["InstanceId"], inst["NetworkInterfaces"][0]["NetworkInterfaceId"], inst["PrivateIpAddress"]

    def route_table(vpc_id, name, subnets):
        rtb = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag("route-table", name))["RouteTable"][
            "RouteTableId"
        ]
        for s in subnets:
            ec2.associate_route_table(RouteTableId=rtb, SubnetId=s)
        return rtb

    # --- shop VPC -------------------------------------------------------------------------
    shop = vpc("10.10.0.0/16", "shop")
    public = subnet(shop, "10.10.1.0/24", "shop-public")
    app = subnet(shop, "10.10.2.0/24", "shop-app")
    db = subnet(shop, "10.10.3.0/24", "shop-db")

    igw = ec2.create_internet_gateway(TagSpecifications=tag("internet-gateway", "shop-igw"))["InternetGateway"][
        "InternetGatewayId"
    ]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=shop)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=shop)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]

    public_rtb = route_table(shop, "shop-public", [public])
    ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip, TagSpecifications=tag("natgateway", "shop-nat"))[
        "NatGateway"
    ]["NatGatewayId"]

    private_rtb = route_table(shop, "shop-private", [app, db])
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_route(RouteTableId=private_rtb, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)

    web_sg = sg(shop, "web")
    app_sg = sg(shop, "app")
    db_sg = sg(shop, "db")
    ec2.authorize_security_group_ingress(
        GroupId=web_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web_sg}]}
        ],
    )
    admin_pl = ec2.create_managed_prefix_list(
        PrefixListName="admins",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/24", "Description": "office"}],
    )["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app_sg}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "PrefixListIds": [{"PrefixListId": admin_pl}]},
        ],
    )

    # The db subnet's ACL forgets the ephemeral ports the replies go to.
    db_acl = ec2.create_network_acl(VpcId=shop, TagSpecifications=tag("network-acl", "shop-db"))["NetworkAcl"][
        "NetworkAclId"
    ]
    ec2.create_network_acl_entry(
        NetworkAclId=db_acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="10.10.2.0/24", PortRange={"From": 5432, "To": 5432},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=db_acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=True,
        CidrBlock="10.10.0.0/16", PortRange={"From": 0, "To": 1023},
    )
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [db]}])["NetworkAcls"]
    assoc = next(a["NetworkAclAssociationId"] for a in acls[0]["Associations"] if a["SubnetId"] == db)
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=db_acl)

    web_id, web_eni, web_ip = instance(public, web_sg, "web", public=True)
    app_id, app_eni, app_ip = instance(app, app_sg, "app")
    db_id, db_eni, db_ip = instance(db, db_sg, "db")

    ec2.create_vpc_endpoint(
        VpcId=shop, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway", RouteTableIds=[private_rtb]
    )
    ec2.create_flow_logs(
        ResourceIds=[shop], ResourceType="VPC", TrafficType="ALL", LogDestinationType="cloud-watch-logs",
        LogGroupName="shop-flows", DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
    )

    rds.create_db_subnet_group(
        DBSubnetGroupName="shop-db-" + suffix, DBSubnetGroupDescription="shop databases", SubnetIds=[db, app]
    )
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db-" + suffix, DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
        DBSubnetGroupName="shop-db-" + suffix, VpcSecurityGroupIds=[db_sg], PubliclyAccessible=False,
    )

    # --- partner VPC, peered --------------------------------------------------------------
    partner = vpc("10.20.0.0/16", "partner")
    partner_subnet = subnet(partner, "10.20.1.0/24", "partner-a")
    partner_sg = sg(partner, "partner")
    ec2.authorize_security_group_ingress(
        GroupId=partner_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.10.0.0/16"}]}],
    )
    partner_id, partner_eni, partner_ip = instance(partner_subnet, partner_sg, "partner")
    pcx = ec2.create_vpc_peering_connection(VpcId=shop, PeerVpcId=partner)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=pcx)
    partner_rtb = route_table(partner, "partner", [partner_subnet])
    ec2.create_route(RouteTableId=partner_rtb, DestinationCidrBlock="10.10.0.0/16", VpcPeeringConnectionId=pcx)

    # --- hub VPC behind a transit gateway -------------------------------------------------
    hub = vpc("10.30.0.0/16", "hub")
    hub_subnet = subnet(hub, "10.30.1.0/24", "hub-a")
    hub_sg = sg(hub, "hub")
    ec2.authorize_security_group_ingress(
        GroupId=hub_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    hub_id, hub_eni, hub_ip = instance(hub_subnet, hub_sg, "hub")
    # The TGW's default route table, with AWS's default options (associate and propagate
    # automatically). moto gaps: it creates and associates with a default route table even
    # when DefaultRouteTableAssociation is "disable", accepts a second association for the
    # same attachment (AWS refuses), and answers DisassociateTransitGatewayRouteTable with
    # HTTP 500; so a custom table cannot be the one an attachment is associated with.
    # moto also does not propagate automatically: propagation is enabled below when missing.
    tgw_created = ec2.create_transit_gateway(Description="core")["TransitGateway"]
    tgw = tgw_created["TransitGatewayId"]
    tgw_rtb = tgw_created["Options"]["AssociationDefaultRouteTableId"]
    shop_att = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=shop, SubnetIds=[app])[
        "TransitGatewayVpcAttachment"
    ]["TransitGatewayAttachmentId"]
    hub_att = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=hub, SubnetIds=[hub_subnet])[
        "TransitGatewayVpcAttachment"
    ]["TransitGatewayAttachmentId"]
    for att in (shop_att, hub_att):
        propagations = ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=tgw_rtb)
        if not any(p["TransitGatewayAttachmentId"] == att for p in propagations["TransitGatewayRouteTablePropagations"]):
            ec2.enable_transit_gateway_route_table_propagation(
                TransitGatewayRouteTableId=tgw_rtb, TransitGatewayAttachmentId=att
            )
    # moto gap: SearchTransitGatewayRoutes returns static routes with an empty
    # TransitGatewayAttachments list, so a static route to the hub would read as going
    # nowhere and shadow the propagated 10.30.0.0/16. The hub is reached by propagation; the
    # static route covers a range nothing uses.
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.40.0.0/16", TransitGatewayRouteTableId=tgw_rtb, TransitGatewayAttachmentId=hub_att
    )
    ec2.create_transit_gateway_route(DestinationCidrBlock="10.99.0.0/16", TransitGatewayRouteTableId=tgw_rtb, Blackhole=True)
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="10.30.0.0/16", TransitGatewayId=tgw)
    hub_rtb = route_table(hub, "hub", [hub_subnet])
    ec2.create_route(RouteTableId=hub_rtb, DestinationCidrBlock="10.10.0.0/16", TransitGatewayId=tgw)

    # On premises: a virtual private gateway on the shop VPC with one static VPN connection.
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=shop, VpnGatewayId=vgw)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, PublicIp="198.51.100.10")["CustomerGateway"]["CustomerGatewayId"]
    vpn = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw, Options={"StaticRoutesOnly": True})[
        "VpnConnection"
    ]["VpnConnectionId"]

    # --- load balancers in the shop VPC -------------------------------------------------------
    # An internet-facing ALB (SG web) on HTTP 80 forwarding to the app instance on 8080, with
    # one path rule; an internal NLB on TCP 5432 forwarding to the db instance with client IP
    # preservation on; a Classic Load Balancer on TCP 8080 in front of the app instance.
    # Names are unique per region (the suffix), so the script can run twice on one server.
    elbv2 = boto3.client("elbv2", endpoint_url=endpoint, region_name=region)
    elb = boto3.client("elb", endpoint_url=endpoint, region_name=region)
    alb = elbv2.create_load_balancer(
        Name="web-" + suffix, Subnets=[public], SecurityGroups=[web_sg], Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    app_tg = elbv2.create_target_group(
        Name="app-" + suffix, Protocol="HTTP", Port=8080, VpcId=shop, TargetType="instance",
        HealthCheckProtocol="HTTP", HealthCheckPort="8080", HealthCheckPath="/health",
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=app_tg, Targets=[{"Id": app_id, "Port": 8080}])
    alb_listener = elbv2.create_listener(
        LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": app_tg}]
    )["Listeners"][0]["ListenerArn"]
    alb_rule = elbv2.create_rule(
        ListenerArn=alb_listener, Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": app_tg}],
    )["Rules"][0]["RuleArn"]
    nlb = elbv2.create_load_balancer(Name="db-" + suffix, Subnets=[app], Scheme="internal", Type="network")[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    db_tg = elbv2.create_target_group(
        Name="db-" + suffix, Protocol="TCP", Port=5432, VpcId=shop, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=db_tg, Targets=[{"Id": db_id, "Port": 5432}])
    elbv2.modify_target_group_attributes(
        TargetGroupArn=db_tg, Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "true"}]
    )
    nlb_listener = elbv2.create_listener(
        LoadBalancerArn=nlb, Protocol="TCP", Port=5432, DefaultActions=[{"Type": "forward", "TargetGroupArn": db_tg}]
    )["Listeners"][0]["ListenerArn"]
    classic = "legacy-" + suffix
    elb.create_load_balancer(
        LoadBalancerName=classic, Subnets=[app], SecurityGroups=[app_sg], Scheme="internal",
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 8080, "InstanceProtocol": "TCP", "InstancePort": 8080}],
    )
    elb.register_instances_with_load_balancer(LoadBalancerName=classic, Instances=[{"InstanceId": app_id}])
    elb.configure_health_check(
        LoadBalancerName=classic,
        HealthCheck={"Target": "TCP:8080", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 3},
    )

    json.dump(
        {
            "region": region,
            "load_balancers": {"alb": alb, "nlb": nlb, "classic": classic},
            "target_groups": {"app": app_tg, "db": db_tg},
            "listeners": {"alb": alb_listener, "nlb": nlb_listener},
            "alb_rule": alb_rule,
            "vgw": vgw,
            "vpn": vpn,
            "cgw": cgw,
            "vpcs": {"shop": shop, "partner": partner, "hub": hub},
            "subnets": {"public": public, "app": app, "db": db, "partner": partner_subnet, "hub": hub_subnet},
            "instances": {"web": web_id, "app": app_id, "db": db_id, "partner": partner_id, "hub": hub_id},
            "enis": {"web": web_eni, "app": app_eni, "db": db_eni, "partner": partner_eni, "hub": hub_eni},
            "ips": {"web": web_ip, "app": app_ip, "db": db_ip, "partner": partner_ip, "hub": hub_ip},
            "security_groups": {"web": web_sg, "app": app_sg, "db": db_sg, "partner": partner_sg, "hub": hub_sg},
            "db_instance": "orders-db-" + suffix,
            "db_acl": db_acl,
            "igw": igw,
            "nat": nat,
            "pcx": pcx,
            "tgw": tgw,
            "tgw_route_table": tgw_rtb,
            "prefix_list": admin_pl,
            "route_tables": {"public": public_rtb, "private": private_rtb, "partner": partner_rtb, "hub": hub_rtb},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
