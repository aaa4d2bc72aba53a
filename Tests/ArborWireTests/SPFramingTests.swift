import ArborCore
import ArborWire
import NIOCore
import Testing

@Suite("SP framing")
struct SPFramingTests {
    @Test("a PUB or SUB header gives its protocol id; what nanomsg and nng send is accepted")
    func headers() throws {
        #expect(try SPFraming.protocolID(ofHeader: [0, 0x53, 0x50, 0, 0, 0x21, 0, 0]) == SPFraming.sub)
        #expect(try SPFraming.protocolID(ofHeader: SPFraming.header(SPFraming.pub)) == SPFraming.pub)
    }

    @Test("bad magic, another version, reserved bytes set and other protocols are refused")
    func badHeaders() {
        #expect(throws: SPWireError.badHeader([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54])) {
            try SPFraming.protocolID(ofHeader: Array("GET / HT".utf8))
        }
        #expect(throws: SPWireError.badHeader([0, 0x53, 0x50, 1, 0, 0x21, 0, 0])) {
            try SPFraming.protocolID(ofHeader: [0, 0x53, 0x50, 1, 0, 0x21, 0, 0])
        }
        #expect(throws: SPWireError.badHeader([0, 0x53, 0x50, 0, 0, 0x21, 0, 9])) {
            try SPFraming.protocolID(ofHeader: [0, 0x53, 0x50, 0, 0, 0x21, 0, 9])
        }
        #expect(throws: SPWireError.unsupportedProtocol(0x30)) {  // REQ
            try SPFraming.protocolID(ofHeader: [0, 0x53, 0x50, 0, 0, 0x30, 0, 0])
        }
    }

    @Test("IPC and TCP messages round-trip, and wait until whole")
    func roundTrip() throws {
        for transport in [SPFraming.Transport.ipc, .tcp] {
            var buffer = ByteBuffer()
            SPFraming.writeMessage(Array("AAPL".utf8), [0x20], Array("101.5".utf8), transport: transport, into: &buffer)
            SPFraming.writeMessage([], transport: transport, into: &buffer)
            let decoder = SPMessageDecoder(transport: transport, maximumLength: 100)
            var partial = buffer.getSlice(at: 0, length: 10)!
            #expect(try decoder.next(from: &partial) == nil)
            #expect(partial.readerIndex == 0)
            #expect(try decoder.next(from: &buffer).map { String(buffer: $0) } == "AAPL 101.5")
            #expect(try decoder.next(from: &buffer)?.readableBytes == 0)
            #expect(try decoder.next(from: &buffer) == nil)
        }
    }

    @Test("a length over the limit is refused from its prefix alone, before any body")
    func oversized() {
        var ipc = ByteBuffer(bytes: [1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        #expect(throws: SPWireError.oversized(length: .max, limit: 100)) {
            try SPMessageDecoder(transport: .ipc, maximumLength: 100).next(from: &ipc)
        }
        var tcp = ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 101])
        #expect(throws: SPWireError.oversized(length: 101, limit: 100)) {
            try SPMessageDecoder(transport: .tcp, maximumLength: 100).next(from: &tcp)
        }
    }

    @Test("an IPC message type other than in-band is refused")
    func badType() {
        var buffer = ByteBuffer(bytes: [7, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: SPWireError.badMessageType(7)) {
            try SPMessageDecoder(transport: .ipc, maximumLength: 100).next(from: &buffer)
        }
    }
}

@Suite("packet.sock datagrams")
struct PacketDatagramTests {
    @Test("sub and pub requests parse; a trailing newline is ignored")
    func requests() throws {
        let quotes = try TopologyName(validating: "nasdaq.quotes")
        #expect(try PacketRequest(parsing: Array("sub nasdaq.quotes AAPL MSFT\n".utf8)) == .subscribe(quotes, prefixes: ["AAPL", "MSFT"]))
        #expect(try PacketRequest(parsing: Array("sub nasdaq.quotes\r\n".utf8)) == .subscribe(quotes, prefixes: [""]))
        #expect(try PacketRequest(parsing: Array("pub nasdaq.quotes AAPL".utf8)) == .publish(quotes, topic: "AAPL"))
        #expect(try PacketRequest(parsing: Array("pub nasdaq.quotes".utf8)) == .publish(quotes, topic: nil))
    }

    @Test("empty, unknown, topology-less, badly named and over-long requests are refused with a reason")
    func badRequests() {
        for text in ["", "\n", "get nasdaq.quotes", "sub", "sub bad..name", "pub t a b", "sub t " + String(repeating: "x", count: 1025)] {
            #expect(throws: PacketRequestError.self) { try PacketRequest(parsing: Array(text.utf8)) }
        }
        #expect(throws: PacketRequestError.self) { try PacketRequest(parsing: [0xff, 0x00, 0x20, 0x41]) }
    }

    @Test("a topic-less pub datagram splits at its first space; one without a topic is refused")
    func split() {
        let parts = PacketRequest.split(ByteBuffer(string: "AAPL 1 2"))
        #expect(parts?.topic == "AAPL")
        #expect(parts?.payload == Array("1 2".utf8))
        #expect(PacketRequest.split(ByteBuffer(string: "AAPL")) == nil)
        #expect(PacketRequest.split(ByteBuffer(string: " x")) == nil)
    }

    @Test("messages, gaps, errors and ok have the documented header lines")
    func datagrams() throws {
        let topology = try TopologyName(validating: "t")
        let origin = NodeID(hex: "000102030405060708090a0b0c0d0e0f")!
        var buffer = ByteBuffer()
        PacketDatagram.write(.message(DeliveredMessage(topology: topology, origin: origin, originIncarnation: 3, sequence: 9, topic: "AAPL", payload: Array("1.5".utf8))), into: &buffer)
        #expect(String(buffer: buffer) == "msg 000102030405060708090a0b0c0d0e0f 3 9 AAPL\n1.5")
        buffer.clear()
        PacketDatagram.write(.gap(GapNotice(topology: topology, origin: origin, originIncarnation: 3, first: 4, last: 6)), into: &buffer)
        #expect(String(buffer: buffer) == "gap 000102030405060708090a0b0c0d0e0f 3 4 6\n")
        buffer.clear()
        PacketDatagram.write(.error(id: 0, code: .notPermitted, text: "no"), into: &buffer)
        #expect(String(buffer: buffer) == "err 5 no\n")
        buffer.clear()
        PacketDatagram.write(.ok(id: 0), into: &buffer)
        #expect(String(buffer: buffer) == "ok\n")
    }
}
