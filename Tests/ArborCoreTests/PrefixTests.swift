import ArborCore
import ArborTestSupport
import Testing

@Suite struct PrefixTests {
    @Test func aSubscriptionCoversItsExtensions() {
        var trie = PrefixTrie()
        trie.insert("A")
        trie.insert("AB")
        trie.insert("MSFT")
        #expect(trie.matches("AAPL"))
        #expect(trie.matches("AB"))
        #expect(trie.matches("MSFT.O"))
        #expect(!trie.matches("MSF"))
        #expect(!trie.matches("B"))
        #expect(trie.aggregated == PrefixSet(["A", "MSFT"]))
        #expect(trie.distinctCount == 3)
    }

    @Test func prefixesAreCountedPerHolder() {
        var trie = PrefixTrie()
        #expect(changed(trie.insert("AAPL")))
        #expect(!changed(trie.insert("AAPL")))
        #expect(!changed(trie.remove("AAPL")))
        #expect(trie.matches("AAPL"))
        #expect(changed(trie.remove("AAPL")))
        #expect(!trie.matches("AAPL"))
        #expect(trie.isEmpty)
        #expect(!changed(trie.remove("AAPL")))
    }

    @Test func removingAPrefixPrunesTheTrieAndKeepsOthers() {
        var trie = PrefixTrie()
        trie.insert("AAPL")
        trie.insert("AAPL.O")
        trie.remove("AAPL")
        #expect(trie.aggregated == PrefixSet(["AAPL.O"]))
        #expect(!trie.matches("AAPL"))
        trie.remove("AAPL.O")
        #expect(trie == PrefixTrie() || trie.isEmpty)
        trie.insert("Z")
        #expect(trie.all == ["Z"])
    }

    @Test func theEmptyPrefixMatchesEverything() {
        let set = PrefixSet(["", "AAPL"])
        #expect(set.prefixes == [""])
        #expect(set.matches(""))
        #expect(set.matches("anything"))
    }

    @Test func deltasTurnOneSetIntoAnother() {
        let old = PrefixSet(["AAPL", "MSFT"])
        let new = PrefixSet(["A", "IBM"])
        let added = new.subtracting(old)
        let removed = old.subtracting(new)
        #expect(old.applying(added: added, removed: removed) == new)
    }

    /// Trie, aggregated set and brute force agree on random prefixes and topics.
    @Test(arguments: 0..<20)
    func trieAndSetMatchLikeBruteForce(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let alphabet: [UInt8] = Array("ABC".utf8)
        func word(_ maximum: Int) -> Topic {
            Topic((0..<Int.random(in: 0...maximum, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
        var trie = PrefixTrie()
        var held: [Topic] = []
        for _ in 0..<30 {
            let prefix = word(3)
            if Bool.random(using: &generator), let victim = held.randomElement(using: &generator) {
                trie.remove(victim)
                held.remove(at: held.firstIndex(of: victim)!)
            } else {
                trie.insert(prefix)
                held.append(prefix)
            }
            let set = trie.aggregated
            for _ in 0..<20 {
                let topic = word(5)
                let expected = held.contains { $0.isPrefix(of: topic) }
                #expect(trie.matches(topic) == expected)
                #expect(set.matches(topic) == expected)
            }
            #expect(set == PrefixSet(held))
        }
    }
}

/// Evaluates a mutating call outside `#expect`, which cannot capture `inout` state.
func changed(_ value: Bool) -> Bool { value }
func admitted(_ value: Bool) -> Bool { value }
