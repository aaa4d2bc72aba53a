/// A table for people: a header row and rows of cells, columns padded to the widest
/// cell, separated by two spaces; numeric columns aligned right.
struct Table {
    let headers: [String]
    var rows: [[String]] = []
    /// Indices of the columns aligned right.
    var rightAligned: Set<Int> = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The table, each line indented by `indent` spaces; trailing spaces trimmed.
    func render(indent: Int = 0) -> String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var out = ""
        for row in all {
            var line = String(repeating: " ", count: indent)
            for (column, cell) in row.enumerated() where column < widths.count {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                line += rightAligned.contains(column) ? padding + cell : cell + padding
                if column < row.count - 1 {
                    line += "  "
                }
            }
            while line.last == " " {
                line.removeLast()
            }
            out += line + "\n"
        }
        return out
    }
}
