extension RandomAccessCollection where Index == Int {
    /// The first index whose element is not `belongsBefore`, or `endIndex`: binary search,
    /// for a collection in which every element that belongs before comes first (ascending
    /// ids, links, ring positions, prefixes). Every sorted lookup of the core goes through it.
    func partitionPoint(where belongsBefore: (Element) -> Bool) -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if belongsBefore(self[middle]) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
