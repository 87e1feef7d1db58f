import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentScan
import Foundation

extension Bench {
    struct ScanFiles: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Scan a generated CSV against the register's index (goal: >= 100 MB/s).",
            discussion: """
                Builds the index from --db (a demo register: consent demo --tenants 1000000), writes a CSV of about
                --megabytes MB in a temporary folder (removed afterwards) shaped like the 2020 incident's spreadsheet:
                reference, name, address, postcode, mobile, email, ethnic origin, religion, sexual orientation and a
                note, from the register's own tenants, so every row matches; then scans it --repeat times and reports
                the median. The baseline is one pass over the same bytes counting lines (memory speed).
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "Size of the generated CSV in MB.")
        var megabytes = 100

        @Option(help: "Scans of the file; the median is reported.")
        var `repeat` = 3

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            let catalogue = content.catalogue
            var sample: [TenantState] = []
            let buildStart = Date()
            let index = try ScanSetup.buildIndex(db, catalogue: catalogue, key: .random(), quiet: json) { state in
                if sample.count < 200_000 { sample.append(state) }
            }
            let buildSeconds = Date().timeIntervalSince(buildStart)
            guard !sample.isEmpty else { throw CLIError("the register at \(store.path) has no tenants; make one with consent demo") }
            let loadStart = Date()
            let reloaded = try ScanIndex(data: index.serialized(), key: index.key)
            let loadSeconds = Date().timeIntervalSince(loadStart)

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("consent-bench-scan-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("tenants.csv")
            try Self.generate(file, bytes: megabytes << 20, from: sample, catalogue: catalogue)
            let data = try Data(contentsOf: file, options: .alwaysMapped)
            let size = Double(data.count) / 1_048_576

            let scanner = LeakScanner(index: reloaded, terms: ScanSetup.terms(content))
            var seconds: [Double] = []
            var baseline: [Double] = []
            var report: ScanReport?
            for _ in 0..<max(1, `repeat`) {
                let t0 = Date()
                var lines = 0
                data.withUnsafeBytes { raw in for b in raw where b == 0x0A { lines += 1 } }
                baseline.append(Date().timeIntervalSince(t0))
                let t1 = Date()
                report = try scanner.scan(data, name: file.lastPathComponent)
                seconds.append(Date().timeIntervalSince(t1))
                if lines == 0 { throw CLIError("the generated file is empty") }
            }
            let median = seconds.sorted()[seconds.count / 2]
            let baseMedian = baseline.sorted()[baseline.count / 2]
            let result = Result(tenantsInRegister: index.tenantCount, indexTags: index.entryCount, indexBuildSeconds: buildSeconds,
                                indexLoadSeconds: loadSeconds, megabytes: size, scanSeconds: median, megabytesPerSecond: size / median,
                                baselineMegabytesPerSecond: size / baseMedian, tenantsFound: report?.tenants ?? 0,
                                verdict: report?.verdict.rawValue ?? "", special: report?.special ?? [])
            if json { return try printJSON(result) }
            print(String(format: "index: %d tenants, %d tags, built in %.1f s, loaded in %.2f s", result.tenantsInRegister, result.indexTags, buildSeconds, loadSeconds))
            print(String(format: "scan: %.1f MB in %.2f s = %.0f MB/s (goal >= 100 MB/s); baseline line count %.0f MB/s", size, median, result.megabytesPerSecond, result.baselineMegabytesPerSecond))
            print("found: \(result.tenantsFound) tenants, special: \(result.special.joined(separator: ", ")); verdict: \(result.verdict)")
        }

        struct Result: Encodable {
            var tenantsInRegister: Int
            var indexTags: Int
            var indexBuildSeconds: Double
            var indexLoadSeconds: Double
            var megabytes: Double
            var scanSeconds: Double
            var megabytesPerSecond: Double
            var baselineMegabytesPerSecond: Double
            var tenantsFound: Int
            var verdict: String
            var special: [String]
        }

        /// Writes rows from the sample, cycling, until the file reaches `bytes`.
        static func generate(_ url: URL, bytes: Int, from sample: [TenantState], catalogue: Catalogue) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                  let handle = try? FileHandle(forWritingTo: url) else { throw CLIError("cannot write \(url.path)") }
            defer { try? handle.close() }
            func choices(_ id: String) -> [String] { catalogue.attribute(AttributeID(id))?.choices.map(\.id) ?? ["-"] }
            let ethnic = choices("ethnic-origin"), religion = choices("religion"), orientation = choices("sexual-orientation")
            var buffer = "Tenancy ref,Full name,Address,Postcode,Mobile,Email,Ethnic origin,Religion,Sexual orientation,Notes\n"
            var written = 0, row = 0
            while written < bytes {
                let t = sample[row % sample.count]
                func v(_ id: String) -> String {
                    let text = t.value(AttributeID(id)).answer?.text ?? ""
                    return text.contains(",") || text.contains("\"") ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text
                }
                buffer += "\(t.ref.rawValue),\(v("full-name")),\(v("address")),\(v("postcode")),\(v("mobile")),\(v("email")),"
                buffer += "\(ethnic[row % ethnic.count]),\(religion[row % religion.count]),\(orientation[row % orientation.count]),"
                buffer += "Rent review letter sent; repairs visit booked for week \(row % 52 + 1)\n"
                row += 1
                if buffer.utf8.count > 1 << 20 {
                    written += buffer.utf8.count
                    handle.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
            if !buffer.isEmpty { handle.write(Data(buffer.utf8)) }
        }
    }
}
