import Foundation
import PostgresNIO

/// Wake-ups for a long-lived reader: a connection of its own that LISTENs on `channel`, to which every
/// append's trigger sends its last `seq` and a short hash. A notification is a hint only — the reader then
/// reads every record after the last one it holds, so a lost or repeated notification loses or repeats
/// nothing. When the connection breaks it connects again with a back-off (0.5 s doubling to 15 s); after
/// it is back, one wake-up is given, since notifications sent in between were missed.
final class PostgresWatcher: @unchecked Sendable {
    /// The channel the append trigger notifies (schema version 2).
    static let channel = "releasedesk_journal"

    private let url: PostgresURL
    private let lock = NSLock()
    private var pending = false
    private var failure: String?
    private var stopped = false
    private var connection: PostgresConnection?
    private let queue = DispatchQueue(label: "releasedesk.postgres.watcher")

    init(url: PostgresURL) {
        self.url = url
    }

    deinit {
        stop()
    }

    /// Starts listening, in the background.
    func start() {
        queue.async { [self] in loop() }
    }

    /// Stops listening and closes the connection.
    func stop() {
        lock.lock()
        stopped = true
        let open = connection
        connection = nil
        lock.unlock()
        let closing: EventLoopFuture<Void>? = open?.close()
        _ = closing
    }

    /// Whether a notification (or a reconnect) came since the last call.
    func takeWakeUp() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let was = pending
        pending = false
        return was
    }

    /// Why the watching connection is down, and when it is tried again (nil: listening).
    var problem: String? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func loop() {
        var failures = 0
        var everConnected = false
        while !isStopped {
            do {
                let connection = try PostgresLink.connect(url)
                let listening = connection.addListener(channel: Self.channel) { [weak self] _, _ in
                    self?.wake()
                }
                // LISTEN is sent by the listener above; a round trip makes sure it is in place before the
                // reconnect's wake-up, so nothing appended from here on goes unnoticed.
                do {
                    _ = try connection.query("SELECT 1", logger: PostgresLink.logger).wait()
                } catch {
                    listening.stop()
                    try? connection.close().wait()  // closed before it is let go: the driver requires it
                    throw error
                }
                lock.lock()
                self.connection = connection
                failure = nil
                if everConnected { pending = true }  // notifications may have been missed meanwhile
                let stop = stopped
                lock.unlock()
                everConnected = true
                failures = 0
                if stop {
                    try? connection.close().wait()
                    return
                }
                try? connection.closeFuture.wait()
                listening.stop()
                lock.lock()
                self.connection = nil
                if !stopped { failure = "the live connection to \(url) was lost; connecting again" }
                pending = true
                lock.unlock()
            } catch {
                failures += 1
                let wait = PostgresLink.backOff(afterFailures: failures)
                lock.lock()
                failure = "\(url) not reachable (attempt \(failures)); next attempt in \(Int(wait.rounded(.up))) s"
                lock.unlock()
                Thread.sleep(forTimeInterval: wait)
            }
        }
    }

    private func wake() {
        lock.lock()
        pending = true
        lock.unlock()
    }
}
