#if canImport(Glibc)
import Glibc
#endif

/// The process's file descriptor limit, and what of it client connections may use.
enum DescriptorLimit {
    /// Raises the soft descriptor limit to the hard one (a daemon's usual start-up step),
    /// then returns how many client connections fit beside `reserve` descriptors kept for
    /// peer links, the control socket, listeners and files: at most `wanted`, at least 1.
    static func clientConnections(wanted: Int, reserve: Int) -> (connections: Int, descriptors: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (wanted, -1) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                limit = raised
            }
        }
        let descriptors = limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
        return (max(1, min(wanted, descriptors - reserve)), descriptors)
    }
}
