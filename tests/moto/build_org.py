"""Builds a small AWS Organization in a moto server, for the multi-account capture tests.

Usage: build_org.py ENDPOINT_URL REGION ROLE_NAME

The caller's account (moto's 123456789012) is the management account: the script creates
its organization (or reuses it) and two member accounts, then builds, in REGION, through the
role ROLE_NAME of each member account (moto does not check roles: the ARN's account chooses
where the resources land, as the assumed role's credentials do in AWS):

* app account: VPC 10.41.0.0/16, subnet 10.41.1.0/24 with an internet gateway route;
  security group web (443 from anywhere); instance "web".
* data account: VPC 10.42.0.0/16, subnet 10.42.1.0/24; security group db (5432 from
  10.41.0.0/16); instance "db".
* a VPC peering requested by the app account and accepted by the data account (cross-account),
  with a route to the other side in each VPC's main route table.

Prints one JSON object naming the account ids and the ids the tests ask about. Account names
carry a random suffix, so the script can run twice on one server.
"""

import json
import sys
import uuid

import boto3


def main() -> None:
    endpoint, region, role_name = sys.argv[1], sys.argv[2], sys.argv[3]
    suffix = uuid.uuid4().hex[:6]
    org = boto3.client("organizations", endpoint_url=endpoint, region_name=region)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass

    def member(name):
        status = org.create_account(Email=f"{name}-{suffix}@example.com", AccountName=f"{name}-{suffix}")
        return status["CreateAccountStatus"]["AccountId"]

    def ec2_in(account):
        sts = boto3.client("sts", endpoint_url=endpoint, region_name=region)
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role_name}", RoleSessionName="build-org"
        )["Credentials"]
        return boto3.client(
            "ec2",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def tag(resource_type, name):
        return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]

    def network(ec2, cidr, subnet_cidr, name):
        vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tag("vpc", name))["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=subnet_cidr, AvailabilityZone=region + "a", TagSpecifications=tag("subnet", name)
        )["Subnet"]["SubnetId"]
        main = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]
        return vpc, subnet, main

    def instance(ec2, subnet, sg, name):
        res = ec2.run_instances(
            ImageId="ami-12c6146b",
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [sg]}],
            TagSpecifications=tag("instance", name),
        )["Instances"][0]
        eni = res["NetworkInterfaces"][0]
        return eni["NetworkInterfaceId"], eni["PrivateIpAddress"]

    app, data = member("app"), member("data")
    app_ec2, data_ec2 = ec2_in(app), ec2_in(data)

    app_vpc, app_subnet, app_rtb = network(app_ec2, "10.41.0.0/16", "10.41.1.0/24", "app")
    igw = app_ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    app_ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=app_vpc)
    app_ec2.create_route(RouteTableId=app_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    web_sg = app_ec2.create_security_group(VpcId=app_vpc, GroupName="web", Description="web tier")["GroupId"]
    app_ec2.authorize_security_group_ingress(
        GroupId=web_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    web_eni, web_ip = instance(app_ec2, app_subnet, web_sg, "web")

    data_vpc, data_subnet, data_rtb = network(data_ec2, "10.42.0.0/16", "10.42.1.0/24", "data")
    db_sg = data_ec2.create_security_group(VpcId=data_vpc, GroupName="db", Description="db tier")["GroupId"]
    data_ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.41.0.0/16"}]}],
    )
    db_eni, db_ip = instance(data_ec2, data_subnet, db_sg, "db")

    pcx = app_ec2.create_vpc_peering_connection(VpcId=app_vpc, PeerVpcId=data_vpc, PeerOwnerId=data)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    data_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    app_ec2.create_route(RouteTableId=app_rtb, DestinationCidrBlock="10.42.0.0/16", VpcPeeringConnectionId=pcx)
    data_ec2.create_route(RouteTableId=data_rtb, DestinationCidrBlock="10.41.0.0/16", VpcPeeringConnectionId=pcx)

    print(
        json.dumps(
            {
                "management": boto3.client("sts", endpoint_url=endpoint, region_name=region).get_caller_identity()[
                    "Account"
                ],
                "app": app,
                "data": data,
                "web_eni": web_eni,
                "web_ip": web_ip,
                "db_eni": db_eni,
                "db_ip": db_ip,
                "pcx": pcx,
            }
        )
    )


if __name__ == "__main__":
    main()
