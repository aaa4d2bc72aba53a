import ArborCore
import ArborSim
import Testing

/// The simulator shares databases of equal content among routers, but only databases that
/// have settled: sharing one that is still changing makes its holder copy it on its next
/// record.
@Suite struct DatabaseSharingTests {
    /// A ring of 12 nodes with three chords.
    func ring() -> Simulator {
        let count = 12
        let links = (0..<count).map { LinkKey($0, ($0 + 1) % count) } + [LinkKey(0, 6), LinkKey(3, 9), LinkKey(2, 8)]
        return Simulator(names: (0..<count).map { "n\($0)" }, links: links, seed: 3)
    }

    @Test func aDatabaseStillChangingIsNotSharedAndASettledOneIs() {
        let simulator = ring()
        simulator.startCold()
        simulator.run(for: .seconds(1))
        #expect(simulator.nodesSharingTheirDatabase == 12)
        // A kill changes every database (its neighbours' records): for 100 ms after its
        // last change, no node offers or adopts a copy.
        simulator.kill(5)
        simulator.run(for: .milliseconds(50))
        #expect(simulator.nodesSharingTheirDatabase == 0)
        // Once the overlay is quiet, every node holds the one shared copy again.
        simulator.run(for: .seconds(1))
        #expect(simulator.nodesSharingTheirDatabase == 11)
        #expect(Set(simulator.liveNodes.map { simulator.routers[$0]!.database.digest }).count == 1)
    }
}
