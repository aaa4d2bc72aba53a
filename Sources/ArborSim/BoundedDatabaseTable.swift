import ArborCore

/// The most recent distinct databases by digest, oldest forgotten first.
struct BoundedDatabaseTable {
    private var byDigest: [DatabaseDigest: LinkStateDatabase] = [:]
    private var order: [DatabaseDigest] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(digest: DatabaseDigest) -> LinkStateDatabase? {
        byDigest[digest]
    }

    mutating func insert(_ database: LinkStateDatabase) {
        guard byDigest.updateValue(database, forKey: database.digest) == nil else { return }
        order.append(database.digest)
        if order.count > capacity {
            byDigest[order.removeFirst()] = nil
        }
    }
}
