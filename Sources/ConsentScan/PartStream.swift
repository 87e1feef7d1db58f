import ConsentCore
import Foundation

/// One file inside a container (an archive entry, what a gzip stream holds), read as it unpacks. Its
/// first bytes settle what it is: text, CSV and XML are read piece by piece whatever their size; a part
/// that must be whole to be read (a nested archive, a PDF, JSON) is held up to ``ScanLimits/maxHeldBytes``;
/// a part that cannot be read is listed as not scanned, which blocks the file unless allowed.
final class PartStream {
    let name: String
    let fileName: String
    let depth: Int
    let scanner: LeakScanner
    let budget: ExpansionBudget

    private var head: [UInt8] = []
    private var sniffed = false
    private var text: TextStream?
    private var xml: XMLPart<PlainXMLText>?
    private var gzip: (GzipInflater, PartStream, total: Int, packed: Int)?
    private var holding: ScanFormat?
    private var held: [UInt8] = []
    private var finished = false

    static let sniffBytes = 8192

    init(name: String, fileName: String, depth: Int, scanner: LeakScanner, budget: ExpansionBudget) {
        self.name = name
        self.fileName = fileName
        self.depth = depth
        self.scanner = scanner
        self.budget = budget
    }

    func write(_ p: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        if finished { return }
        if !sniffed {
            head.append(contentsOf: p)
            if head.count >= Self.sniffBytes { try decide(into: &m) }
            return
        }
        try route(p, into: &m)
        try scanner.scanEncoded(name: name, depth: depth, budget: budget, closing: false, into: &m)
    }

    func finish(into m: inout Matcher) throws(ScanError) {
        if !sniffed { try decide(into: &m) }
        if finished { return }
        finished = true
        if var t = text { try t.finish(into: &m); text = t }
        if var x = xml { try x.finish(into: &m); xml = x }
        if let (inflater, inner, _, _) = gzip {
            try inflater.finish(name: name)
            try inner.finish(into: &m)
        }
        if let format = holding {
            try scanner.scanContent(Data(held), format: format, name: name, fromContent: ScanFormat(fileName: fileName) != format,
                                    depth: depth, budget: budget, into: &m)
            held = []
        }
        try scanner.scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
    }

    private func decide(into m: inout Matcher) throws(ScanError) {
        sniffed = true
        guard depth < scanner.limits.maxDepth else { throw .tooLarge("\(name) nests archives more than \(scanner.limits.maxDepth) deep") }
        let kind = head.withUnsafeBytes { LeakScanner.sniff($0, name: fileName) }
        switch kind {
        case .unreadable(let why):
            m.findings.unscanned.append("\(TextSafety.displaySafe(name)) (\(why))")
            finished = true
        case .format(.csv): text = TextStream(layout: .delimited)
        case .format(.text): text = TextStream(layout: .lines)
        case .format(.xml): xml = XMLPart(receiver: PlainXMLText(), part: name)
        case .format(.gzip):
            let inner = ["gz", "gzip"].contains((fileName as NSString).pathExtension.lowercased()) ? (fileName as NSString).deletingPathExtension : fileName
            gzip = (try GzipInflater(), PartStream(name: "\(name) → \((inner as NSString).lastPathComponent)", fileName: inner, depth: depth + 1,
                                                   scanner: scanner, budget: budget), 0, 0)
        case .format(let format): holding = format
        }
        let first = head
        head = []
        if !finished { try withBytes(first) { (p) throws(ScanError) in try route(p, into: &m) } }
    }

    private func route(_ p: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        if var t = text {
            try t.write(p, into: &m)
            text = t
        } else if var x = xml {
            try x.write(p, into: &m)
            xml = x
        } else if let (inflater, inner, total, packed) = gzip {
            var unpacked = total
            let consumed = packed + p.count
            try inflater.write(p, name: name) { (out) throws(ScanError) in
                unpacked += out.count
                try budget.spend(out.count, entryTotal: unpacked, packed: consumed, what: name)
                try inner.write(out, into: &m)
            }
            gzip = (inflater, inner, unpacked, consumed)
        } else if let format = holding {
            held.append(contentsOf: p)
            // JSON's parsed form takes several times its text: it is held only up to 16 MB.
            let cap = format == .json ? min(16 << 20, budget.limits.maxHeldBytes) : budget.limits.maxHeldBytes
            if held.count > cap {
                if format.isText {
                    // Too large to hold: read it as plain text as it comes (its values are still found).
                    holding = nil
                    var t = TextStream(layout: .lines)
                    let sofar = held
                    held = []
                    try withBytes(sofar) { (s) throws(ScanError) in try t.write(s, into: &m) }
                    text = t
                } else {
                    m.findings.unscanned.append("\(TextSafety.displaySafe(name)) (larger than \(budget.limits.maxHeldBytes >> 20) MB unpacked, too large to check)")
                    holding = nil
                    held = []
                    finished = true
                }
            }
        }
    }
}
