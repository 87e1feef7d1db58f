import Foundation
import Testing
import TestSupport

/// Plain HTTP only on this machine: tenants' records, a device's secret and the organisation's sealing key must not
/// cross a network in clear, on either side of sync.
@Suite(.ownThreads) struct PlainHTTPTests {
    /// A device asked to enrol with an `http://` centre on another machine sends nothing and says to use https.
    /// (192.0.2.10 is a documentation address no one answers: without the check, enrolment would wait for it and
    /// then report no answer.)
    @Test func aDeviceRefusesAPlainHTTPCentreElsewhereAndStaysUnenrolled() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["init", "--db", cli.db]).status == 0)
        let out = try cli.run(["device", "enrol", "--db", cli.db, "--server", "http://192.0.2.10:8443", "--code", "ABCD-EFGH"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("plain http://") && out.stderr.contains("https://"), "\(out.stderr)")
        #expect(out.stderr.contains("nothing was sent"), "\(out.stderr)")
        let sync = try cli.run(["sync", "--db", cli.db])
        #expect(sync.status != 0)
        #expect(sync.stderr.contains("enrol"), "still not enrolled: \(sync.stderr)")
    }

    /// The centre will not listen for plain HTTP on an address other machines reach, and says what to give instead.
    @Test func theCentreRefusesToListenInClearOffLoopback() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        #expect(try cli.run(["init", "--centre", "--db", central]).status == 0)
        let out = try cli.run(["serve", "--db", central, "--listen", "192.0.2.1:8443"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("--tls-certificate") && out.stderr.contains("--trusted-proxy"), "\(out.stderr)")
    }
}
