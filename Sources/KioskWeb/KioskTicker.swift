import ServiceLifecycle

/// Time passing for the web kiosk, once a second, whether or not a browser asks: the idle sign-out
/// prints the receipt and ends the session even when the browser has gone.
struct KioskTicker: Service {
    let kiosk: WebKiosk

    /// Ticks until the server shuts down. Shutting down ends the sleep with a cancellation, which is the
    /// ticker's normal end, not an error (thrown, it made a SIGTERM'd kiosk exit with status 1).
    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
                await kiosk.tick()
            }
        }
    }
}
