import ArgumentParser
import ConsentBench
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation

extension Bench {
    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find",
            abstract: "Time staff mode's tenant search on an existing register, keystroke by keystroke (goal: each under 50 ms).",
            discussion: """
                For --samples tenants of the register, types their first name and then their postcode one character at a
                time, as staff would, and times every search (the index, no full scan; at most 20 results, as on the
                staff screen); reports the median, the 99th percentile and the worst, and checks the tenant is among the
                results once the first name and whole postcode are typed. The baseline is the same search as a scan of every name (LIKE), timed once per sample.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "Tenants to search for.")
        var samples = 50

        @Flag(help: "Print JSON for scripts.")
        var json = false

        struct Result: Encodable {
            var tenants: Int
            var searches: Int
            var medianMs: Double
            var p99Ms: Double
            var worstMs: Double
            var scanMedianMs: Double
            var found: Int
        }

        func run() throws {
            let db = try store.open()
            let total = try db.tenantCount()
            guard total > 0 else { throw CLIError("the register is empty; make one with `consent demo --tenants 100000`") }
            let step = max(1, total / samples)
            var times: [Double] = [], scans: [Double] = [], found = 0
            for i in 0..<min(samples, total) {
                let ref = TenantRef(String(format: "T%07d", i * step + 1))
                guard let match = try db.findTenant(reference: ref), let name = match.name, let postcode = match.postcode else { continue }
                let first = String(name.split(separator: " ").first ?? "")
                var typed = ""
                var last: [TenantMatch] = []
                for c in first {
                    typed.append(c)
                    let start = DispatchTime.now().uptimeNanoseconds
                    last = try db.findTenants(name: typed, postcode: "")
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                var code = ""
                for c in postcode {
                    code.append(c)
                    let start = DispatchTime.now().uptimeNanoseconds
                    last = try db.findTenants(name: first, postcode: code)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                if last.contains(where: { $0.reference == ref.rawValue }) { found += 1 }
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try db.scanNames(containing: first, limit: -1)
                scans.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            times.sort()
            scans.sort()
            func at(_ values: [Double], _ q: Double) -> Double { values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * q))] }
            let r = Result(tenants: total, searches: times.count, medianMs: at(times, 0.5), p99Ms: at(times, 0.99), worstMs: times.last ?? 0,
                           scanMedianMs: at(scans, 0.5), found: found)
            if json { return try printJSON(r) }
            print(String(format: "register: %d tenants; %d searches as typed", r.tenants, r.searches))
            print(String(format: "index search: median %.2f ms, p99 %.2f ms, worst %.2f ms (goal < 50 ms)", r.medianMs, r.p99Ms, r.worstMs))
            print(String(format: "baseline, scan of every name: median %.1f ms", r.scanMedianMs))
            print("found \(r.found) of \(min(samples, total)) sampled tenants by first name and postcode")
        }
    }
}
