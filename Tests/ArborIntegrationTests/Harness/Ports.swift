import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hands out TCP ports on 127.0.0.1 for test nodes.
///
/// Ports come from 20000–32767, below Linux's ephemeral range (32768–60999), so the
/// outgoing connections of the nodes themselves never take one. Each candidate is probed
/// by binding it (without SO_REUSEADDR, so a port in TIME_WAIT is skipped too), and a
/// port is never handed out twice by one test process: tests running in parallel, in
/// this process or in others, do not collide. The start is random per process.
enum Ports {
    private static let state = NSLock()
    nonisolated(unsafe) private static var next = Int.random(in: 20000..<32000)
    nonisolated(unsafe) private static var handedOut: Set<Int> = []

    static func allocate(_ count: Int) -> [Int] {
        state.lock()
        defer { state.unlock() }
        var ports: [Int] = []
        var attempts = 0
        while ports.count < count {
            attempts += 1
            precondition(attempts < 20000, "no free port on 127.0.0.1 in 20000-32767")
            let port = next
            next = next >= 32767 ? 20000 : next + 1
            if handedOut.contains(port) || !isFree(port) { continue }
            handedOut.insert(port)
            ports.append(port)
        }
        return ports
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
