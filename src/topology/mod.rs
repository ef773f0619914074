//! Lookups over the [`Model`] that the evaluator needs on every hop: components by id, the
//! route table and network ACL in force for each subnet, interface owners of addresses,
//! security-group membership, transit gateway attachments per VPC, prefix-list entries.
//!
//! Built once per model in linear time (sorting aside); every lookup afterwards is a hash
//! probe, or a binary search for whether an address lies in a modelled VPC. The
//! evaluator walks components as a small state machine rather than searching a graph, so
//! these indexes replace the petgraph wrapper STYLE.md suggests (recorded in
//! ARCHITECTURE.md).

pub mod graph;

use crate::model::*;
use ipnet::IpNet;
/// The indexes hash with foldhash, seeded per process: several times faster than SipHash
/// on short ids and addresses, and still not predictable by whoever writes the input.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::IpAddr;

/// Positions of components in the model's vectors.
pub type Ix = usize;

/// Indexes over one model. Borrowing the model keeps the two in step.
#[derive(Debug)]
pub struct Topology<'m> {
    /// The model indexed.
    pub model: &'m Model,
    vpc: HashMap<&'m str, Ix>,
    subnet: HashMap<&'m str, Ix>,
    eni: HashMap<&'m str, Ix>,
    sg: HashMap<&'m str, Ix>,
    nat: HashMap<&'m str, Ix>,
    pcx: HashMap<&'m str, Ix>,
    igw: HashMap<&'m str, Ix>,
    tgw: HashMap<&'m str, Ix>,
    tgw_att: HashMap<&'m str, Ix>,
    tgw_rt: HashMap<&'m str, Ix>,
    vpce: HashMap<&'m str, Ix>,
    instance: HashMap<&'m str, Ix>,
    db: HashMap<&'m str, Ix>,
    prefix_list: HashMap<&'m str, Ix>,
    subnet_rt: Vec<Option<Ix>>,
    subnet_nacl: Vec<Option<Ix>>,
    /// Private address -> interfaces carrying it (several when VPC CIDRs overlap).
    by_private: HashMap<IpAddr, Vec<Ix>>,
    /// Delegated prefixes and the interface owning each, longest first (few: looked up only
    /// when no interface has the address itself).
    by_prefix: Vec<(ipnet::IpNet, Vec<Ix>)>,
    /// Interface -> how many database instances it could belong to (more than one: the
    /// snapshot cannot tell which).
    eni_db_count: Vec<u8>,
    /// Public address -> (interface, private address it maps to).
    by_public: HashMap<IpAddr, (Ix, IpAddr)>,
    /// Security group -> member interfaces.
    sg_members: HashMap<&'m str, Vec<Ix>>,
    /// (transit gateway, VPC) -> VPC attachments.
    tgw_vpc_att: HashMap<(&'m str, &'m str), Vec<Ix>>,
    /// VPC -> transit gateways across which its groups can be referenced (the gateway and
    /// the VPC's available attachment both have security group referencing on).
    sg_ref_tgws: HashMap<&'m str, Vec<&'m str>>,
    /// Active peerings as (VPC, VPC) pairs, both orders, with whether their groups can be
    /// referenced across (the same Region).
    peered: HashMap<(&'m str, &'m str), bool>,
    /// Database instance -> its interfaces.
    db_enis: Vec<Vec<Ix>>,
    /// Interface -> the database instance it belongs to.
    eni_db: Vec<Option<Ix>>,
    /// Interface -> its subnet, and the security groups of it that the model has.
    eni_subnet: Vec<Option<Ix>>,
    eni_sgs: Vec<Vec<Ix>>,
    /// Network ACL and route table by id (for names in reports).
    nacl: HashMap<&'m str, Ix>,
    rt: HashMap<&'m str, Ix>,
    /// VPC -> the first internet gateway attached to it.
    igw_by_vpc: HashMap<&'m str, Ix>,
    /// Interface -> the NAT gateway whose address it carries.
    nat_by_eni: HashMap<&'m str, Ix>,
    /// Gateway id -> the first route table edge-associated with it.
    edge_rt: HashMap<&'m str, Ix>,
    /// (attachment id, transit gateway) -> the attachment (a peering attachment is listed once
    /// per side, with the same id).
    tgw_att_on: HashMap<(&'m str, &'m str), Ix>,
    /// Every modelled VPC CIDR, as sorted, merged address ranges.
    modelled: AddressRanges,
    /// Load balancer by ARN and by name; target group by id.
    lb: HashMap<&'m str, Ix>,
    tg: HashMap<&'m str, Ix>,
    /// Load balancer -> its node interfaces; interface -> the load balancer it is a node of.
    lb_nodes: Vec<Vec<Ix>>,
    eni_lb: Vec<Option<Ix>>,
    /// Firewall endpoint id -> (firewall, endpoint position).
    fw_endpoint: HashMap<&'m str, (Ix, usize)>,
}

/// A set of addresses as sorted, disjoint, non-adjacent inclusive ranges per family: a
/// membership test is a binary search.
#[derive(Debug, Default)]
struct AddressRanges {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl AddressRanges {
    fn new<'a>(nets: impl Iterator<Item = &'a IpNet>) -> AddressRanges {
        let mut r = AddressRanges::default();
        for n in nets {
            match n {
                IpNet::V4(n) => r.v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => r.v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        merge(&mut r.v4);
        merge(&mut r.v6);
        r
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => covered(&self.v4, u32::from(a)),
            IpAddr::V6(a) => covered(&self.v6, u128::from(a)),
        }
    }
}

/// Sorts ranges and merges the overlapping ones.
fn merge<T: Ord + Copy>(ranges: &mut Vec<(T, T)>) {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges.iter() {
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    *ranges = out;
}

/// Whether `x` lies in one of the sorted, disjoint `ranges`.
fn covered<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> bool {
    // The last range starting at or before `x` is the only one that can hold it.
    let i = ranges.partition_point(|&(lo, _)| lo <= x);
    i > 0 && x <= ranges[i - 1].1
}

fn index<'m, T>(items: &'m [T], key: impl Fn(&'m T) -> &'m str) -> HashMap<&'m str, Ix> {
    let mut map = HashMap::with_capacity_and_hasher(items.len(), Default::default());
    for (i, item) in items.iter().enumerate() {
        map.entry(key(item)).or_insert(i);
    }
    map
}

impl<'m> Topology<'m> {
    /// Indexes `model`.
    pub fn new(model: &'m Model) -> Topology<'m> {
        let vpc = index(&model.vpcs, |v| v.id.as_str());
        let subnet = index(&model.subnets, |s| s.id.as_str());
        let eni = index(&model.enis, |e| e.id.as_str());
        let sg = index(&model.security_groups, |g| g.id.as_str());
        let mut t = Topology {
            model,
            nat: index(&model.nat_gateways, |n| n.id.as_str()),
            pcx: index(&model.peerings, |p| p.id.as_str()),
            igw: index(&model.internet_gateways, |g| g.id.as_str()),
            tgw: index(&model.transit_gateways, |g| g.id.as_str()),
            tgw_att: index(&model.tgw_attachments, |a| a.id.as_str()),
            tgw_rt: index(&model.tgw_route_tables, |r| r.id.as_str()),
            vpce: index(&model.vpc_endpoints, |e| e.id.as_str()),
            instance: index(&model.instances, |i| i.id.as_str()),
            db: index(&model.db_instances, |d| d.id.as_str()),
            prefix_list: index(&model.prefix_lists, |p| p.id.as_str()),
            subnet_rt: vec![None; model.subnets.len()],
            subnet_nacl: vec![None; model.subnets.len()],
            by_private: HashMap::with_capacity_and_hasher(model.enis.len(), Default::default()),
            by_public: HashMap::default(),
            by_prefix: Vec::new(),
            eni_db_count: vec![0; model.enis.len()],
            sg_members: HashMap::with_capacity_and_hasher(model.security_groups.len(), Default::default()),
            tgw_vpc_att: HashMap::default(),
            sg_ref_tgws: HashMap::default(),
            peered: HashMap::default(),
            db_enis: vec![Vec::new(); model.db_instances.len()],
            eni_db: vec![None; model.enis.len()],
            eni_subnet: model.enis.iter().map(|e| subnet.get(e.subnet.as_str()).copied()).collect(),
            eni_sgs: model.enis.iter().map(|e| e.security_groups.iter().filter_map(|g| sg.get(g.as_str()).copied()).collect()).collect(),
            nacl: index(&model.network_acls, |a| a.id.as_str()),
            rt: index(&model.route_tables, |r| r.id.as_str()),
            igw_by_vpc: HashMap::default(),
            nat_by_eni: HashMap::default(),
            edge_rt: HashMap::default(),
            tgw_att_on: HashMap::default(),
            modelled: AddressRanges::new(model.vpcs.iter().flat_map(|v| &v.cidrs)),
            lb: HashMap::default(),
            tg: index(&model.target_groups, |g| g.id.as_str()),
            lb_nodes: vec![Vec::new(); model.load_balancers.len()],
            eni_lb: vec![None; model.enis.len()],
            fw_endpoint: model
                .firewalls
                .iter()
                .enumerate()
                .flat_map(|(fi, f)| f.endpoints.iter().enumerate().map(move |(ei, e)| (e.endpoint.as_str(), (fi, ei))))
                .collect(),
            vpc,
            subnet,
            eni,
            sg,
        };
        // Route tables: explicit association, else the VPC's main table.
        let mut main_rt: HashMap<&str, Ix> = HashMap::default();
        for (i, rt) in model.route_tables.iter().enumerate() {
            for g in &rt.edge_gateways {
                t.edge_rt.entry(g.as_str()).or_insert(i);
            }
            if rt.main {
                main_rt.entry(rt.vpc.as_str()).or_insert(i);
            }
            for s in &rt.subnets {
                if let Some(&si) = t.subnet.get(s.as_str()) {
                    t.subnet_rt[si] = Some(i);
                }
            }
        }
        let mut default_acl: HashMap<&str, Ix> = HashMap::default();
        for (i, acl) in model.network_acls.iter().enumerate() {
            if acl.is_default {
                default_acl.entry(acl.vpc.as_str()).or_insert(i);
            }
            for s in &acl.subnets {
                if let Some(&si) = t.subnet.get(s.as_str()) {
                    t.subnet_nacl[si] = Some(i);
                }
            }
        }
        for (si, s) in model.subnets.iter().enumerate() {
            if t.subnet_rt[si].is_none() {
                t.subnet_rt[si] = main_rt.get(s.vpc.as_str()).copied();
            }
            if t.subnet_nacl[si].is_none() {
                t.subnet_nacl[si] = default_acl.get(s.vpc.as_str()).copied();
            }
        }
        for (i, e) in model.enis.iter().enumerate() {
            for ip in &e.private_ips {
                t.by_private.entry(*ip).or_default().push(i);
            }
            for m in &e.public_ips {
                t.by_public.insert(IpAddr::V4(m.public), (i, IpAddr::V4(m.private)));
            }
            for p in &e.prefixes {
                t.by_prefix.push((*p, vec![i]));
            }
            for g in &e.security_groups {
                t.sg_members.entry(g.as_str()).or_default().push(i);
            }
        }
        t.by_prefix.sort_by_key(|(p, _)| std::cmp::Reverse(p.prefix_len()));
        for (i, g) in model.internet_gateways.iter().enumerate() {
            for v in &g.vpcs {
                t.igw_by_vpc.entry(v.as_str()).or_insert(i);
            }
        }
        for (i, n) in model.nat_gateways.iter().enumerate() {
            for e in n.addresses.iter().filter_map(|a| a.eni.as_ref()) {
                t.nat_by_eni.entry(e.as_str()).or_insert(i);
            }
        }
        for (i, a) in model.tgw_attachments.iter().enumerate() {
            t.tgw_att_on.entry((a.id.as_str(), a.tgw.as_str())).or_insert(i);
            if let TgwAttachmentKind::Vpc { vpc, sg_referencing, .. } = &a.kind {
                t.tgw_vpc_att.entry((a.tgw.as_str(), vpc.as_str())).or_default().push(i);
                let tgw_on = model.transit_gateways.iter().any(|g| g.id == a.tgw && g.sg_referencing);
                if *sg_referencing && tgw_on && a.state.is_available() {
                    t.sg_ref_tgws.entry(vpc.as_str()).or_default().push(a.tgw.as_str());
                }
            }
        }
        for p in model.peerings.iter().filter(|p| p.is_active()) {
            let same_region = match (&p.requester.region, &p.accepter.region) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            let (a, b) = (p.requester.vpc.as_str(), p.accepter.vpc.as_str());
            t.peered.insert((a, b), same_region);
            t.peered.insert((b, a), same_region);
        }
        // RDS interfaces: in the DB's subnets, carrying its security groups.
        for (di, d) in model.db_instances.iter().enumerate() {
            let enis: Vec<Ix> = model
                .enis
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == EniKind::Rds && d.subnets.contains(&e.subnet))
                .filter(|(_, e)| d.security_groups.is_empty() || d.security_groups.iter().all(|g| e.security_groups.contains(g)))
                .map(|(i, _)| i)
                .collect();
            for &e in &enis {
                t.eni_db[e].get_or_insert(di);
                t.eni_db_count[e] = t.eni_db_count[e].saturating_add(1);
            }
            t.db_enis[di] = enis;
        }
        // Load balancer nodes: the interfaces that carry its node description.
        for (li, lb) in model.load_balancers.iter().enumerate() {
            t.lb.entry(lb.id.as_str()).or_insert(li);
            t.lb.entry(lb.name.as_str()).or_insert(li);
        }
        let by_description: HashMap<&str, Ix> = model.load_balancers.iter().enumerate().map(|(i, l)| (l.node_description.as_str(), i)).collect();
        for (i, e) in model.enis.iter().enumerate() {
            if let Some(&li) = by_description.get(e.description.as_str()).filter(|&&li| model.load_balancers[li].vpc == e.vpc) {
                t.lb_nodes[li].push(i);
                t.eni_lb[i] = Some(li);
            }
        }
        t
    }

    /// The account that owns interface `ix`: its own owner, else its subnet's, else its
    /// VPC's.
    pub fn eni_account(&self, ix: Ix) -> Option<&'m str> {
        let e = &self.model.enis[ix];
        e.owner
            .as_deref()
            .or_else(|| self.eni_subnet_ix(ix).and_then(|s| self.model.subnets[s].owner.as_deref()))
            .or_else(|| self.vpc(e.vpc.as_str()).and_then(|v| v.owner.as_deref()))
    }

    /// The account that owns component `id` (an interface, subnet, VPC, security group,
    /// transit gateway, or a route table or network ACL by its VPC), when the snapshot says.
    pub fn account_of(&self, id: &str) -> Option<&'m str> {
        let m = self.model;
        if let Some(ix) = self.eni_ix(id) {
            return self.eni_account(ix);
        }
        if let Some(s) = self.subnet(id) {
            return s.owner.as_deref().or_else(|| self.vpc(s.vpc.as_str()).and_then(|v| v.owner.as_deref()));
        }
        if let Some(v) = self.vpc(id) {
            return v.owner.as_deref();
        }
        if let Some(g) = self.sg(id) {
            return g.owner.as_deref().or_else(|| g.vpc.as_ref().and_then(|v| self.vpc(v.as_str())).and_then(|v| v.owner.as_deref()));
        }
        if let Some(t) = self.tgw(id) {
            return t.owner.as_deref();
        }
        // A transit gateway's route tables and attachments are its owner's resources.
        let tgw = self.tgw_route_table(id).map(|r| &r.tgw).or_else(|| self.tgw_attachment(id).map(|a| &a.tgw));
        if let Some(t) = tgw {
            return self.tgw(t.as_str()).and_then(|t| t.owner.as_deref());
        }
        let vpc = self.rt.get(id).map(|&r| &m.route_tables[r].vpc).or_else(|| self.nacl.get(id).map(|&a| &m.network_acls[a].vpc));
        vpc.and_then(|v| self.vpc(v.as_str())).and_then(|v| v.owner.as_deref())
    }

    /// Load balancer position by ARN or name.
    pub fn lb_ix(&self, id: &str) -> Option<Ix> {
        self.lb.get(id).copied()
    }
    /// The node interfaces of load balancer `lb`.
    pub fn lb_nodes(&self, lb: Ix) -> &[Ix] {
        self.lb_nodes.get(lb).map_or(&[], Vec::as_slice)
    }
    /// The load balancer interface `eni` is a node of.
    pub fn lb_of_eni(&self, eni: Ix) -> Option<Ix> {
        self.eni_lb.get(eni).copied().flatten()
    }
    /// The firewall whose endpoint `vpce` is, and the endpoint's position.
    pub fn firewall_endpoint(&self, vpce: &str) -> Option<(Ix, usize)> {
        self.fw_endpoint.get(vpce).copied()
    }
    /// Firewall policy by ARN.
    pub fn firewall_policy(&self, id: &str) -> Option<&'m FirewallPolicy> {
        self.model.firewall_policies.iter().find(|p| p.id == id)
    }
    /// Rule group by ARN.
    pub fn rule_group(&self, id: &str) -> Option<&'m RuleGroup> {
        self.model.rule_groups.iter().find(|g| g.id == id)
    }
    /// Target group by id.
    pub fn target_group(&self, id: &str) -> Option<&'m TargetGroup> {
        self.tg.get(id).map(|&i| &self.model.target_groups[i])
    }

    /// VPC by id.
    pub fn vpc(&self, id: &str) -> Option<&'m Vpc> {
        self.vpc.get(id).map(|&i| &self.model.vpcs[i])
    }
    /// Subnet position by id.
    pub fn subnet_ix(&self, id: &str) -> Option<Ix> {
        self.subnet.get(id).copied()
    }
    /// Subnet by id.
    pub fn subnet(&self, id: &str) -> Option<&'m Subnet> {
        self.subnet_ix(id).map(|i| &self.model.subnets[i])
    }
    /// Interface position by id.
    pub fn eni_ix(&self, id: &str) -> Option<Ix> {
        self.eni.get(id).copied()
    }
    /// The subnet of interface `ix` (`None` when the model lacks it).
    pub fn eni_subnet_ix(&self, ix: Ix) -> Option<Ix> {
        self.eni_subnet.get(ix).copied().flatten()
    }
    /// The security groups of interface `ix` that the model has, in the interface's order.
    pub fn eni_sg_ixs(&self, ix: Ix) -> &[Ix] {
        self.eni_sgs.get(ix).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Interface by id.
    pub fn eni(&self, id: &str) -> Option<&'m Eni> {
        self.eni_ix(id).map(|i| &self.model.enis[i])
    }
    /// Security group by id.
    pub fn sg(&self, id: &str) -> Option<&'m SecurityGroup> {
        self.sg.get(id).map(|&i| &self.model.security_groups[i])
    }
    /// A security group's position in the model, by id.
    pub fn sg_ix(&self, id: &str) -> Option<Ix> {
        self.sg.get(id).copied()
    }
    /// NAT gateway by id.
    pub fn nat(&self, id: &str) -> Option<&'m NatGateway> {
        self.nat.get(id).map(|&i| &self.model.nat_gateways[i])
    }
    /// Peering connection by id.
    pub fn peering(&self, id: &str) -> Option<&'m Peering> {
        self.pcx.get(id).map(|&i| &self.model.peerings[i])
    }
    /// Internet gateway by id.
    pub fn igw(&self, id: &str) -> Option<&'m InternetGateway> {
        self.igw.get(id).map(|&i| &self.model.internet_gateways[i])
    }
    /// Transit gateway by id.
    pub fn tgw(&self, id: &str) -> Option<&'m TransitGateway> {
        self.tgw.get(id).map(|&i| &self.model.transit_gateways[i])
    }
    /// Transit gateway attachment by id.
    pub fn tgw_attachment(&self, id: &str) -> Option<&'m TgwAttachment> {
        self.tgw_att.get(id).map(|&i| &self.model.tgw_attachments[i])
    }
    /// Transit gateway route table by id.
    pub fn tgw_route_table(&self, id: &str) -> Option<&'m TgwRouteTable> {
        self.tgw_rt.get(id).map(|&i| &self.model.tgw_route_tables[i])
    }
    /// VPC endpoint by id.
    pub fn vpc_endpoint(&self, id: &str) -> Option<&'m VpcEndpoint> {
        self.vpce.get(id).map(|&i| &self.model.vpc_endpoints[i])
    }
    /// Instance by id.
    pub fn instance(&self, id: &str) -> Option<&'m Instance> {
        self.instance.get(id).map(|&i| &self.model.instances[i])
    }
    /// RDS instance position by identifier.
    pub fn db_ix(&self, id: &str) -> Option<Ix> {
        self.db.get(id).copied()
    }
    /// Interfaces of RDS instance `ix`.
    pub fn db_enis(&self, ix: Ix) -> &[Ix] {
        &self.db_enis[ix]
    }
    /// Prefix list by id.
    pub fn prefix_list(&self, id: &str) -> Option<&'m PrefixList> {
        self.prefix_list.get(id).map(|&i| &self.model.prefix_lists[i])
    }
    /// The CIDRs of a prefix list (empty when it is not in the snapshot).
    pub fn prefix_list_cidrs(&self, id: &PrefixListId) -> &'m [IpNet] {
        self.prefix_list(id.as_str()).map(|p| p.cidrs.as_slice()).unwrap_or(&[])
    }
    /// The route table in force for subnet `ix` (explicit association, else main).
    pub fn route_table_of(&self, subnet_ix: Ix) -> Option<&'m RouteTable> {
        self.subnet_rt.get(subnet_ix).copied().flatten().map(|i| &self.model.route_tables[i])
    }
    /// The network ACL in force for subnet `ix` (explicit association, else the default).
    pub fn nacl_of(&self, subnet_ix: Ix) -> Option<&'m NetworkAcl> {
        self.subnet_nacl.get(subnet_ix).copied().flatten().map(|i| &self.model.network_acls[i])
    }
    /// Interfaces carrying private address `ip`, in any VPC (an address of a prefix
    /// delegated to an interface included).
    pub fn enis_with_private(&self, ip: IpAddr) -> &[Ix] {
        match self.by_private.get(&ip) {
            Some(v) => v.as_slice(),
            None => self.by_prefix.iter().find(|(p, _)| p.contains(&ip)).map(|(_, v)| v.as_slice()).unwrap_or(&[]),
        }
    }

    /// For database instance `di`: its candidate interfaces, when one of them could belong
    /// to another database too (the same subnet group and security groups): describe-db-
    /// instances does not name a database's interface, so the snapshot cannot tell.
    pub fn db_interfaces_shared(&self, di: Ix) -> Option<&[Ix]> {
        let enis = self.db_enis.get(di)?;
        enis.iter().any(|&e| self.eni_db_count.get(e).is_some_and(|&n| n > 1)).then_some(enis.as_slice())
    }
    /// The interface in `vpc` carrying private address `ip`.
    pub fn eni_in_vpc(&self, vpc: &VpcId, ip: IpAddr) -> Option<Ix> {
        self.enis_with_private(ip).iter().copied().find(|&i| &self.model.enis[i].vpc == vpc)
    }
    /// The interface (and private address) a public address maps to.
    pub fn eni_with_public(&self, ip: IpAddr) -> Option<(Ix, IpAddr)> {
        self.by_public.get(&ip).copied()
    }
    /// Whether an active peering joins VPCs `a` and `b`.
    pub fn peered(&self, a: &VpcId, b: &VpcId) -> bool {
        self.peered.contains_key(&(a.as_str(), b.as_str()))
    }

    /// Whether a security group rule in VPC `local` may reference a group of VPC `other`:
    /// the same VPC, a peering in the same Region, or (`inbound` rules only) a transit
    /// gateway with security group referencing on at the gateway and both attachments.
    pub fn sg_reference_reaches(&self, local: &VpcId, other: &VpcId, inbound: bool) -> bool {
        if local == other || self.peered.get(&(local.as_str(), other.as_str())).copied().unwrap_or(false) {
            return true;
        }
        inbound
            && match (self.sg_ref_tgws.get(local.as_str()), self.sg_ref_tgws.get(other.as_str())) {
                (Some(a), Some(b)) => a.iter().any(|t| b.contains(t)),
                _ => false,
            }
    }

    /// Interfaces carrying security group `sg`.
    pub fn sg_members(&self, sg: &str) -> &[Ix] {
        self.sg_members.get(sg).map(Vec::as_slice).unwrap_or(&[])
    }
    /// VPC attachments of transit gateway `tgw` to `vpc`.
    pub fn tgw_vpc_attachments(&self, tgw: &str, vpc: &str) -> Vec<&'m TgwAttachment> {
        let model = self.model;
        self.tgw_vpc_att.get(&(tgw, vpc)).into_iter().flatten().map(|&i| &model.tgw_attachments[i]).collect()
    }
    /// The internet gateway attached to `vpc`, if any (the first in the snapshot).
    pub fn igw_of(&self, vpc: &VpcId) -> Option<&'m InternetGateway> {
        self.igw_by_vpc.get(vpc.as_str()).map(|&i| &self.model.internet_gateways[i])
    }
    /// Whether `ip` lies in any modelled VPC's CIDRs.
    pub fn in_modelled_network(&self, ip: IpAddr) -> bool {
        self.modelled.contains(ip)
    }
    /// The NAT gateway one of whose addresses interface `eni` carries.
    pub fn nat_of_eni(&self, eni: &EniId) -> Option<&'m NatGateway> {
        self.nat_by_eni.get(eni.as_str()).map(|&i| &self.model.nat_gateways[i])
    }
    /// The route table edge-associated with gateway `gateway` (an internet or virtual
    /// private gateway), if any (the first in the snapshot).
    pub fn edge_route_table(&self, gateway: &str) -> Option<&'m RouteTable> {
        self.edge_rt.get(gateway).map(|&i| &self.model.route_tables[i])
    }
    /// Attachment `att` as transit gateway `tgw` sees it (a peering attachment appears once
    /// per side, with the same id).
    pub fn tgw_attachment_on(&self, att: &TgwAttachmentId, tgw: &TgwId) -> Option<&'m TgwAttachment> {
        self.tgw_att_on.get(&(att.as_str(), tgw.as_str())).map(|&i| &self.model.tgw_attachments[i])
    }
    /// What an interface belongs to, for reports: `web-1, i-0abc`, `rds orders-db`,
    /// `nat-gateway nat-0abc`, or its Name tag; `None` when it is not in the model.
    pub fn describe_eni(&self, id: &str) -> Option<String> {
        let ix = self.eni_ix(id)?;
        let e = &self.model.enis[ix];
        if let Some(di) = self.eni_db.get(ix).copied().flatten() {
            return Some(format!("rds {}", self.model.db_instances[di].id));
        }
        let name = self.name_of(id);
        Some(match (&e.instance, name, &e.kind) {
            (Some(i), Some(n), _) => format!("{n}, {i}"),
            (Some(i), None, _) => i.to_string(),
            (None, Some(n), EniKind::Interface) => n.to_string(),
            (None, Some(n), k) => format!("{} {n}", k.label()),
            (None, None, EniKind::NatGateway) => self
                .nat_of_eni(&e.id)
                .map(|g| format!("nat-gateway {}", g.id))
                .unwrap_or_else(|| "nat-gateway".into()),
            (None, None, k) => format!("{} {}", k.label(), e.description),
        })
    }

    /// A display name: the Name tag, or the group name for security groups.
    pub fn name_of(&self, id: &str) -> Option<&'m str> {
        let m = self.model;
        if let Some(ix) = self.eni_ix(id) {
            if let Some(di) = self.eni_db.get(ix).copied().flatten() {
                return Some(m.db_instances[di].id.as_str());
            }
            let e = &m.enis[ix];
            return e
                .tags
                .name()
                .or_else(|| e.instance.as_ref().and_then(|i| self.instance(i.as_str())).and_then(|i| i.tags.name()))
                .or_else(|| self.lb_of_eni(ix).map(|l| m.load_balancers[l].name.as_str()));
        }
        if let Some(g) = self.sg(id) {
            return Some(g.name.as_str());
        }
        if let Some(s) = self.subnet(id) {
            return s.tags.name();
        }
        if let Some(v) = self.vpc(id) {
            return v.tags.name();
        }
        if let Some(i) = self.instance(id) {
            return i.tags.name();
        }
        if let Some(&a) = self.nacl.get(id) {
            return m.network_acls[a].tags.name();
        }
        if let Some(&l) = self.lb.get(id) {
            return Some(m.load_balancers[l].name.as_str());
        }
        if let Some(g) = self.target_group(id) {
            return Some(g.name.as_str());
        }
        if let Some(f) = m.firewalls.iter().find(|f| f.id == id) {
            return Some(f.name.as_str());
        }
        self.rt.get(id).and_then(|&r| m.route_tables[r].tags.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{Document, build_model};
    use serde_json::json;

    /// Two VPCs with an internet gateway each (the second VPC's listed second), a NAT
    /// gateway, a gateway route table, an active and a pending peering, and a transit
    /// gateway peering attachment listed by both of its gateways.
    fn model() -> Model {
        let v = json!({
            "Vpcs": [{"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16",
                      "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16"}, {"CidrBlock": "100.64.0.0/16"}],
                      "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1::/56"}]},
                     {"VpcId": "vpc-b", "CidrBlock": "10.1.0.0/16"},
                     {"VpcId": "vpc-c", "CidrBlock": "10.0.128.0/17"}],
            "InternetGateways": [{"InternetGatewayId": "igw-a", "Attachments": [{"VpcId": "vpc-a", "State": "available"}]},
                                 {"InternetGatewayId": "igw-a2", "Attachments": [{"VpcId": "vpc-a", "State": "available"}, {"VpcId": "vpc-b", "State": "available"}]}],
            "NatGateways": [{"NatGatewayId": "nat-1", "VpcId": "vpc-a", "SubnetId": "subnet-a",
                             "NatGatewayAddresses": [{"PrivateIp": "10.0.0.9", "NetworkInterfaceId": "eni-nat"}]}],
            "RouteTables": [{"RouteTableId": "rtb-main", "VpcId": "vpc-a", "Associations": [{"Main": true}]},
                            {"RouteTableId": "rtb-edge", "VpcId": "vpc-a", "Associations": [{"GatewayId": "igw-a"}]}],
            "VpcPeeringConnections": [
                {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
                 "RequesterVpcInfo": {"VpcId": "vpc-a", "Region": "us-east-1"}, "AccepterVpcInfo": {"VpcId": "vpc-b", "Region": "us-east-1"}},
                {"VpcPeeringConnectionId": "pcx-2", "Status": {"Code": "pending-acceptance"},
                 "RequesterVpcInfo": {"VpcId": "vpc-a"}, "AccepterVpcInfo": {"VpcId": "vpc-c"}}],
            "TransitGatewayAttachments": [
                {"TransitGatewayAttachmentId": "tgw-attach-p", "TransitGatewayId": "tgw-1", "ResourceType": "peering", "ResourceId": "tgw-2"},
                {"TransitGatewayAttachmentId": "tgw-attach-p", "TransitGatewayId": "tgw-2", "ResourceType": "peering", "ResourceId": "tgw-1"}]
        });
        build_model(&[Document { origin: "test.json".into(), region: None, value: v }]).expect("model").0
    }

    #[test]
    fn igw_of_is_the_first_gateway_attached_to_the_vpc() {
        let m = model();
        let t = Topology::new(&m);
        assert_eq!(t.igw_of(&VpcId("vpc-a".into())).map(|g| g.id.as_str()), Some("igw-a"));
        assert_eq!(t.igw_of(&VpcId("vpc-b".into())).map(|g| g.id.as_str()), Some("igw-a2"));
        assert!(t.igw_of(&VpcId("vpc-c".into())).is_none());
    }

    #[test]
    fn modelled_network_is_every_vpc_cidr_of_both_families() {
        let m = model();
        let t = Topology::new(&m);
        for inside in ["10.0.0.0", "10.0.255.255", "10.0.200.1", "10.1.3.4", "100.64.9.9", "2600:1f18:1:ff::1"] {
            assert!(t.in_modelled_network(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["9.255.255.255", "10.2.0.0", "100.65.0.0", "8.8.8.8", "2600:1f18:2::1", "::"] {
            assert!(!t.in_modelled_network(outside.parse().unwrap()), "{outside}");
        }
        // The index answers as a scan of every CIDR does.
        for probe in ["10.0.127.255", "10.0.128.0", "10.1.255.255", "10.2.0.1"] {
            let ip: IpAddr = probe.parse().unwrap();
            assert_eq!(t.in_modelled_network(ip), m.vpcs.iter().any(|v| v.cidrs.iter().any(|c| c.contains(&ip))), "{probe}");
        }
    }

    #[test]
    fn address_ranges_merge_overlapping_and_nested_blocks() {
        let nets: Vec<IpNet> = ["10.0.0.0/16", "10.0.128.0/17", "10.0.0.0/8", "192.168.0.0/24", "192.168.1.0/24"].iter().map(|s| s.parse().unwrap()).collect();
        let r = AddressRanges::new(nets.iter());
        assert_eq!(r.v4.len(), 3, "{:?}", r.v4);
        assert!(r.contains("10.255.255.255".parse().unwrap()));
        assert!(r.contains("192.168.1.0".parse().unwrap()));
        assert!(!r.contains("192.168.2.0".parse().unwrap()));
        assert!(!AddressRanges::default().contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn peering_set_holds_active_peerings_in_both_directions() {
        let m = model();
        let t = Topology::new(&m);
        let (a, b, c) = (VpcId("vpc-a".into()), VpcId("vpc-b".into()), VpcId("vpc-c".into()));
        assert!(t.peered(&a, &b) && t.peered(&b, &a));
        assert!(!t.peered(&a, &c), "a pending peering carries nothing");
        assert!(t.sg_reference_reaches(&a, &b, false), "same Region: groups can be referenced across");
        assert!(!t.sg_reference_reaches(&a, &c, true));
    }

    #[test]
    fn nat_gateway_is_found_by_its_interface() {
        let m = model();
        let t = Topology::new(&m);
        assert_eq!(t.nat_of_eni(&EniId("eni-nat".into())).map(|n| n.id.as_str()), Some("nat-1"));
        assert!(t.nat_of_eni(&EniId("eni-other".into())).is_none());
        assert_eq!(t.describe_eni("eni-nat").as_deref(), Some("nat-gateway nat-1"));
    }

    #[test]
    fn edge_route_table_is_found_by_its_gateway() {
        let m = model();
        let t = Topology::new(&m);
        assert_eq!(t.edge_route_table("igw-a").map(|r| r.id.as_str()), Some("rtb-edge"));
        assert!(t.edge_route_table("igw-a2").is_none());
    }

    #[test]
    fn peering_attachment_is_found_per_transit_gateway() {
        let m = model();
        let t = Topology::new(&m);
        let att = TgwAttachmentId("tgw-attach-p".into());
        let on = |tgw: &str| t.tgw_attachment_on(&att, &TgwId(tgw.into())).map(|a| (a.tgw.as_str(), &a.kind));
        assert!(matches!(on("tgw-1"), Some(("tgw-1", TgwAttachmentKind::Peering { peer_tgw: Some(p) })) if p.as_str() == "tgw-2"));
        assert!(matches!(on("tgw-2"), Some(("tgw-2", TgwAttachmentKind::Peering { peer_tgw: Some(p) })) if p.as_str() == "tgw-1"));
        assert!(on("tgw-3").is_none());
    }
}
