import ArborCore
import ArborWire
import Testing

@testable import ArborClient

/// The client protocol's rules without a channel: responses in, actions out.
@Suite struct ClientStateMachineTests {
    let topology = TopologyName("quotes")!

    func expect(_ action: ClientStateMachine.Action, _ expected: ClientStateMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(action == expected, sourceLocation: sourceLocation)
    }

    @Test func answersGoToTheRequestTheyNameAndOnlyOnce() {
        var machine = ClientStateMachine(errorEventLimit: 10)
        let subscribe = machine.nextRequestID()
        machine.sent(.subscribe(topology, "AAPL"), id: subscribe)
        let ping = machine.nextRequestID()
        machine.sent(.ping, id: ping)
        #expect(subscribe != 0 && ping != subscribe)
        expect(machine.received(.pong(id: ping)), .answer(id: ping, .success(.pong)))
        expect(machine.received(.ok(id: subscribe)), .answer(id: subscribe, .success(.ok)))
        expect(machine.received(.ok(id: subscribe)), .ignore)
    }

    @Test func aRefusalNamesTheRequestItRefuses() {
        var machine = ClientStateMachine(errorEventLimit: 10)
        let id = machine.nextRequestID()
        machine.sent(.subscribe(topology, "AAPL"), id: id)
        let refusal = NodeRefusal(request: "SUBSCRIBE quotes prefix \"AAPL\"", code: .limitReached, text: "too many")
        expect(machine.received(.error(id: id, code: .limitReached, text: "too many")), .answer(id: id, .failure(.refused(refusal))))
    }

    @Test func refusedUnacknowledgedPublishesAreEventsUpToTheLimitAndFailTheNextPing() {
        var machine = ClientStateMachine(errorEventLimit: 2)
        let refusal = NodeRefusal(request: RequestKind.unacknowledgedPublish, code: .notPermitted, text: "no")
        for _ in 0..<2 {
            expect(machine.received(.error(id: 0, code: .notPermitted, text: "no")), .event(.error(.refused(refusal))))
        }
        expect(machine.received(.error(id: 0, code: .notPermitted, text: "no")), .ignore)
        machine.eventsTaken()
        expect(machine.received(.error(id: 0, code: .notPermitted, text: "no")), .event(.error(.refused(refusal))))
        let ping = machine.nextRequestID()
        machine.sent(.ping, id: ping)
        let failure = ArborClientError.unacknowledgedRequestsFailed(count: 4, first: refusal)
        expect(machine.received(.pong(id: ping)), .answer(id: ping, .failure(failure)))
        let next = machine.nextRequestID()
        machine.sent(.ping, id: next)
        expect(machine.received(.pong(id: next)), .answer(id: next, .success(.pong)))
    }

    @Test func aFatalErrorIsTheReasonTheConnectionEndsNotARefusal() {
        var machine = ClientStateMachine(errorEventLimit: 10)
        expect(machine.received(.error(id: 0, code: .slowConsumer, text: "")), .ignore)
        expect(machine.received(.error(id: 0, code: .shuttingDown, text: "")), .ignore)
        #expect(machine.closeReason == .connectionClosed(reason: "\(ClientErrorCode.slowConsumer) (\(ClientErrorCode.slowConsumer.rawValue))"))
    }

    @Test func anAnswerToAForgottenRequestIsIgnoredAndItsIdIsNotReusedWhileAwaited() {
        var machine = ClientStateMachine(errorEventLimit: 10)
        let first = machine.nextRequestID()
        machine.sent(.ping, id: first)
        let forgotten = machine.forget(first)
        #expect(forgotten)
        expect(machine.received(.error(id: first, code: .notPermitted, text: "no")), .ignore)
        expect(machine.received(.pong(id: first)), .ignore)
        let second = machine.nextRequestID()
        machine.sent(.ping, id: second)
        let third = machine.nextRequestID()
        #expect(third != second)
    }
}
