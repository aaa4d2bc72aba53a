import ArborClient
import ArborCore
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Helpers that `arbor pub` and `arbor sub` share.

/// `--run-dir`, as arbord has it.
struct RunDirectoryOption: ParsableArguments {
    @Option(
        name: .customLong("run-dir"),
        help: ArgumentHelp("The node's run directory (default: $ARBOR_RUN_DIR, else /run/arbor).", valueName: "dir")
    )
    var path: String?
}

/// What `arbor pub` and `arbor sub` connect with: `--run-dir`, and `--name`, the client
/// name the node logs.
struct ClientOptions: ParsableArguments {
    @OptionGroup
    var runDirectory: RunDirectoryOption

    @Option(help: ArgumentHelp("The client name the node logs (default: arbor-pub or arbor-sub, after the command).", valueName: "name"))
    var name: String?

    /// Connects to the node, as `--name` or else `defaultName`; a failure ends the process
    /// through `reporter`.
    func connect(defaultName: String, reporter: FailureReporter) async -> ClientConnection {
        do {
            return try await ClientConnection.connect(runDirectory: runDirectory.path, name: name ?? defaultName)
        } catch {
            reporter.fail(error.description)
        }
    }
}

/// Validates a topology name for a command line, with the reason when it is not one.
func topologyArgument(_ text: String) throws -> TopologyName {
    do {
        return try TopologyName(validating: text)
    } catch {
        throw ValidationError("'\(text)' is not a topology name: \(error)")
    }
}

/// Prints one line for the first failure only, then ends the process with status 1:
/// several tasks may notice the same broken connection at once.
final class FailureReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var reported = false
    private let command: String

    init(command: String) {
        self.command = command
    }

    func fail(_ message: String) -> Never {
        lock.lock()
        let first = !reported
        reported = true
        lock.unlock()
        if first {
            printError("\(command): \(message)")
            exit(1)
        }
        // Another task is reporting and exiting.
        while true { sleep(1) }
    }
}

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME): comparable between processes.
@inline(__always)
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// Nanoseconds of a monotonic clock, for durations and pacing.
@inline(__always)
func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// `1234567.8` as `1234568`, `12.3456` as `12.35`: a rate or duration for a summary line.
func formatted(_ value: Double) -> String {
    if value >= 1000 { return String(Int(value.rounded())) }
    return String(format: "%.3g", value)
}

/// The payload `arbor pub --size` generates: `#SEQUENCE @NANOSECONDS ` (both decimal, the
/// time since the Unix epoch when the message was published) padded with dots to the size,
/// or cut to it. `arbor sub --summary` reads the time back to measure latency.
enum GeneratedPayload {
    /// Rewrites the stamp at the start of `payload` in place (its size stays).
    static func stamp(_ payload: inout [UInt8], sequence: UInt64, nanoseconds: Int64) {
        // At most 1 + 20 + 2 + 20 + 1 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { scratch in
            var length = 0
            scratch[length] = UInt8(ascii: "#")
            length += 1
            length = writeDecimal(sequence, into: scratch, at: length)
            scratch[length] = UInt8(ascii: " ")
            scratch[length + 1] = UInt8(ascii: "@")
            length = writeDecimal(UInt64(max(nanoseconds, 0)), into: scratch, at: length + 2)
            scratch[length] = UInt8(ascii: " ")
            length += 1
            let count = min(length, payload.count)
            payload.withUnsafeMutableBufferPointer { bytes in
                for index in 0..<count { bytes[index] = scratch[index] }
            }
        }
    }

    /// Writes `value` in decimal at `start`; the index after its last digit.
    private static func writeDecimal(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var remaining = value
        var index = start + digits - 1
        while index >= start {
            buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            index -= 1
        }
        return start + digits
    }

    /// The publication time in a generated payload, if it has a whole stamp.
    static func nanoseconds(in payload: [UInt8]) -> Int64? {
        guard payload.first == UInt8(ascii: "#") else { return nil }
        var index = 1
        while index < payload.count, payload[index] != UInt8(ascii: " ") { index += 1 }
        index += 1
        guard index < payload.count, payload[index] == UInt8(ascii: "@") else { return nil }
        index += 1
        var value: Int64 = 0
        var digits = 0
        while index < payload.count, payload[index] >= UInt8(ascii: "0"), payload[index] <= UInt8(ascii: "9") {
            value = value &* 10 &+ Int64(payload[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        guard digits > 0, index < payload.count, payload[index] == UInt8(ascii: " ") else { return nil }
        return value
    }
}

/// Standard output as raw bytes: lines are collected in a buffer and written with
/// `write(2)` when ``flush()`` is called (after each burst of events) or the buffer is
/// large, so a pipeline sees every line as soon as no more are immediately at hand.
struct StandardOutput {
    private(set) var buffer: [UInt8] = []

    init() {
        buffer.reserveCapacity(1 << 17)
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    mutating func append(_ byte: UInt8) {
        buffer.append(byte)
    }

    mutating func append(bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    mutating func append(decimal value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            var rest = value
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Writes everything buffered; a closed output ends the process quietly (like `head`).
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    exit(errno == EPIPE ? 0 : 1)
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Whether `bytes` can be printed as one line of text: valid UTF-8 without control characters.
func isPrintableText(_ bytes: [UInt8]) -> Bool {
    // One branch-free pass (the compiler vectorizes it) settles the common ASCII case.
    let (control, high) = bytes.withUnsafeBufferPointer { buffer -> (Bool, Bool) in
        var control: UInt8 = 0
        var high: UInt8 = 0
        for byte in buffer {
            control |= (byte < 0x20 ? 1 : 0) | (byte == 0x7F ? 1 : 0)
            high |= byte
        }
        return (control != 0, high & 0x80 != 0)
    }
    if control { return false }
    if !high { return true }
    guard let text = String(validating: bytes, as: UTF8.self) else { return false }
    // C1 controls and line separators would break the line too.
    return !text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }
}

/// Appends `text` as a JSON string literal.
func appendJSONString(_ text: String, to output: inout StandardOutput) {
    output.append(UInt8(ascii: "\""))
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
        output.append(bytes: text.utf8)
        output.append(UInt8(ascii: "\""))
        return
    }
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output.append("\\\"")
        case "\\": output.append("\\\\")
        case "\n": output.append("\\n")
        case "\r": output.append("\\r")
        case "\t": output.append("\\t")
        case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
            let hex = String(scalar.value, radix: 16)
            output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
        default:
            var utf8 = String(scalar).utf8.makeIterator()
            while let byte = utf8.next() { output.append(byte) }
        }
    }
    output.append(UInt8(ascii: "\""))
}
