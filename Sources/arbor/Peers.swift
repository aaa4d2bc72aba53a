import ArborControl
import ArgumentParser

/// `arbor peers`: the node's peer links and the static addresses it dials.
struct Peers: DocumentCommand {
    static let configuration = describing("List peer links: address, how found, state, RTT, cost, last heard, traffic.")
    static let target = ControlPath.peers

    @OptionGroup var node: NodeOptions

    func render(_ peers: [PeerDocument]) -> String {
        guard !peers.isEmpty else { return "no peers\n" }
        var table = Table(
            ["NAME", "STATE", "FOUND", "ADDRESS", "COST", "RTT", "LAST HEARD", "UP", "FRAMES IN/OUT", "BYTES IN/OUT", "MSGS IN/OUT"],
            rightAligned: [4, 5, 6]
        )
        var notes: [String] = []
        for peer in peers {
            table.add([
                peer.name ?? "-",
                peer.state,
                peer.found,
                peer.address,
                peer.cost.map(String.init) ?? "-",
                Formatting.milliseconds(peer.rttMs),
                peer.lastHeardMsAgo.map { Formatting.milliseconds($0) + " ago" } ?? "-",
                peer.upSeconds.map { Formatting.duration(seconds: $0) } ?? "-",
                Formatting.pair(peer.framesIn, peer.framesOut),
                Formatting.pair(peer.bytesIn, peer.bytesOut),
                Formatting.pair(peer.messagesIn, peer.messagesOut),
            ])
            if let error = peer.lastError {
                notes.append("\(peer.address): \(error)")
            }
        }
        return table.render() + notes.map { "note: " + $0 + "\n" }.joined()
    }
}
