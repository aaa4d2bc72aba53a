import ArborCore

/// One DNS-SD service instance as a browser reports it. Avahi reports the same service once
/// per interface and per mDNS transport (IPv4, IPv6) it is seen on; each is its own instance.
public struct ServiceInstanceKey: Hashable, Sendable, CustomStringConvertible {
    /// Interface index (`AvahiIfIndex`).
    public var interface: Int32
    /// mDNS transport the announcement arrived on (`AvahiProtocol`: 0 IPv4, 1 IPv6).
    public var transport: Int32
    public var name: String
    public var type: String
    public var domain: String

    public var description: String {
        "'\(name)'.\(type).\(domain) on if\(interface)/\(transport == 1 ? "v6" : "v4")"
    }
}

/// The sans-I/O heart of mDNS discovery: browse and resolve results in, peer events out.
///
/// It keeps every service instance the browser reported with its latest resolution, and
/// reports per *node id*: a node seen on several interfaces or address families is one peer
/// whose addresses are the union; it vanishes only when its last instance is gone. Instances
/// that are our own (by TXT `id`, not by name), of another realm, of an incompatible protocol
/// range, or malformed are kept but never reported.
///
/// When the connection to avahi-daemon is lost, ``markAllStale()`` keeps what we know (the
/// peers are most likely still there); a new browser re-reports the instances that still
/// exist, and ``purgeStale()`` (a few seconds later) drops the others.
public struct PeerTable: Sendable {
    public private(set) var localID: NodeID
    public private(set) var realm: String
    public private(set) var protocolVersions: ProtocolVersionRange

    /// What has been reported as appeared and not vanished since, by id.
    public private(set) var peers: [NodeID: DiscoveredPeer] = [:]

    private var instances: [ServiceInstanceKey: Instance] = [:]

    private struct Instance: Sendable {
        var resolution: Resolution?
        var stale = false
    }

    private struct Resolution: Sendable {
        var record: Result<ServiceRecord, MalformedRecord>
        var address: PeerAddress?
    }

    /// Why an instance is or is not a peer.
    public enum Verdict: Hashable, Sendable {
        case peer(NodeID)
        case unresolved
        case own
        case otherRealm(String)
        case incompatible(ProtocolVersionRange)
        case malformed(MalformedRecord)
    }

    public init(localID: NodeID, realm: String, protocolVersions: ProtocolVersionRange) {
        self.localID = localID
        self.realm = realm
        self.protocolVersions = protocolVersions
    }

    /// Every instance currently known.
    public var instanceKeys: [ServiceInstanceKey] { Array(instances.keys) }

    /// Instances with no resolution yet.
    public var unresolvedKeys: [ServiceInstanceKey] {
        instances.compactMap { $0.value.resolution == nil ? $0.key : nil }
    }

    public func verdict(for key: ServiceInstanceKey) -> Verdict? {
        instances[key].map(verdict(of:))
    }

    /// The browser reported an instance (`AVAHI_BROWSER_NEW`).
    public mutating func browsed(_ key: ServiceInstanceKey) -> [DiscoveryEvent] {
        if instances[key] == nil {
            instances[key] = Instance()
        } else {
            instances[key]!.stale = false
        }
        return []  // nothing to report before it resolves (or, when stale, it already was)
    }

    /// A resolver found (or re-found, after a change) an instance's TXT and address.
    public mutating func resolved(
        _ key: ServiceInstanceKey,
        txt: [[UInt8]],
        address: PeerAddress?
    ) -> [DiscoveryEvent] {
        let before = instances[key].flatMap(peerID(of:))
        let resolution = Resolution(record: ArborService.decode(txt: txt), address: address)
        instances[key] = Instance(resolution: resolution, stale: false)
        let after = peerID(of: instances[key]!)
        return refresh([before, after].compactMap { $0 })
    }

    /// The browser reported the instance gone (`AVAHI_BROWSER_REMOVE`).
    public mutating func removed(_ key: ServiceInstanceKey) -> [DiscoveryEvent] {
        guard let instance = instances.removeValue(forKey: key) else { return [] }
        return refresh([peerID(of: instance)].compactMap { $0 })
    }

    /// The browser is gone (daemon restart, D-Bus loss): keep everything, pending re-browse.
    public mutating func markAllStale() {
        for key in instances.keys {
            instances[key]!.stale = true
        }
    }

    /// The new browser has had time to report everything: drop the instances it did not report.
    public mutating func purgeStale() -> [DiscoveryEvent] {
        let stale = instances.filter { $0.value.stale }
        guard !stale.isEmpty else { return [] }
        for key in stale.keys {
            instances.removeValue(forKey: key)
        }
        return refresh(stale.values.compactMap(peerID(of:)))
    }

    /// Our own realm or protocol range changed: re-judge every instance.
    public mutating func reconfigure(realm: String, protocolVersions: ProtocolVersionRange) -> [DiscoveryEvent] {
        let before = Set(instances.values.compactMap(peerID(of:)))
        self.realm = realm
        self.protocolVersions = protocolVersions
        let after = Set(instances.values.compactMap(peerID(of:)))
        return refresh(Array(before.union(after).union(peers.keys)))
    }

    // MARK: - Internals

    private func verdict(of instance: Instance) -> Verdict {
        guard let resolution = instance.resolution else { return .unresolved }
        switch resolution.record {
        case .failure(let malformed):
            return .malformed(malformed)
        case .success(let record):
            if record.id == localID { return .own }
            if record.realm != realm { return .otherRealm(record.realm) }
            if !record.protocolVersions.isCompatible(with: protocolVersions) {
                return .incompatible(record.protocolVersions)
            }
            return .peer(record.id)
        }
    }

    private func peerID(of instance: Instance) -> NodeID? {
        if case .peer(let id) = verdict(of: instance) { return id }
        return nil
    }

    /// Recomputes the merged peer for each id and reports what changed, in id order.
    private mutating func refresh(_ ids: [NodeID]) -> [DiscoveryEvent] {
        var events: [DiscoveryEvent] = []
        for id in Set(ids).sorted() {
            let merged = merge(id)
            guard merged != peers[id] else { continue }
            if let merged {
                peers[id] = merged
                events.append(.appeared(merged))
            } else {
                peers.removeValue(forKey: id)
                events.append(.vanished(id))
            }
        }
        return events
    }

    /// One peer from all of its instances. If instances disagree on the incarnation (a
    /// restarted node whose old announcement is still cached), the newest incarnation wins;
    /// ties are broken by instance name so the result does not depend on arrival order.
    private func merge(_ id: NodeID) -> DiscoveredPeer? {
        var candidates: [(name: String, record: ServiceRecord, address: PeerAddress?)] = []
        for (key, instance) in instances where peerID(of: instance) == id {
            guard case .success(let record)? = instance.resolution?.record else { continue }
            candidates.append((key.name, record, instance.resolution?.address))
        }
        guard let newest = candidates.map(\.record.incarnation).max() else { return nil }
        let current = candidates.filter { $0.record.incarnation == newest }
        let chosen = current.min { ($0.name, $0.record.protocolVersions.min) < ($1.name, $1.record.protocolVersions.min) }!
        let addresses = Set(current.compactMap(\.address)).sorted()
        return DiscoveredPeer(
            id: id,
            name: chosen.name,
            realm: chosen.record.realm,
            incarnation: newest,
            protocolVersions: chosen.record.protocolVersions,
            addresses: addresses
        )
    }
}
