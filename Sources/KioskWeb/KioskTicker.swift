import ServiceLifecycle

/// Time passing for the web kiosk, once a second, whether or not a browser asks: the idle sign-out
/// prints the receipt and ends the session even when the browser has gone.
struct KioskTicker: Service {
    let kiosk: WebKiosk

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                await kiosk.tick()
            }
        }
    }
}
