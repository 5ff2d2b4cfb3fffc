import Foundation
import PostgresNIO

/// Why a PostgreSQL store could not be used. Never holds the password.
public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    /// The store URL is malformed.
    case badURL(String)
    /// The server could not be reached or refused the connection.
    case connection(String)
    /// A statement failed.
    case query(String)
    /// The schema is missing, too old or too new.
    case schema(String)

    public var description: String {
        switch self {
        case .badURL(let why): return "the store URL is not usable: \(why)"
        case .connection(let why): return "cannot connect to the PostgreSQL store: \(why)"
        case .query(let why): return "the PostgreSQL store refused: \(why)"
        case .schema(let why): return why
        }
    }
}

/// One connection to the server, opened on first use and again after it broke, used by one caller at a time.
/// After a failed attempt to connect, the next waits out a back-off (0.5 s doubling to 15 s): a caller that
/// asks sooner is told at once, instead of waiting for another attempt to time out.
///
/// The journal store protocol is synchronous, so every call blocks on the connection's futures. They run on
/// this module's own event loop thread, never on the caller's, so a caller on the main thread (the
/// workstation's terminal loop) waits without blocking the event loop.
final class PostgresLink: @unchecked Sendable {
    /// The event loop of every connection of this module.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    let url: PostgresURL
    private let lock = NSLock()
    private var connection: PostgresConnection?
    /// Failed attempts to connect since the last success.
    private var failures = 0
    /// No attempt to connect before this time (after a failure).
    private var retryAt = Date.distantPast
    /// The last failure to connect, with the back-off; nil once connected.
    private var lastFailure: String?

    /// Why the server cannot be reached just now (nil: connected, or not tried yet).
    var problem: String? {
        lock.lock()
        defer { lock.unlock() }
        return lastFailure
    }

    /// The wait before attempt `failures + 1`.
    static func backOff(afterFailures failures: Int) -> TimeInterval {
        min(0.5 * pow(2, Double(max(0, failures - 1))), 15)
    }
    /// The logger of this module's connections: only critical events.
    static let logger: Logger = {
        var logger = Logger(label: "releasedesk.postgres")
        logger.logLevel = .critical
        return logger
    }()
    var logger: Logger { Self.logger }

    init(url: PostgresURL) {
        self.url = url
    }

    deinit {
        if let connection { try? connection.close().wait() }
    }

    /// What a body throws when the connection failed before it changed anything (`run` may run it again on a
    /// new connection).
    struct Unstarted: Error {
        let underlying: any Error
    }

    /// Runs `body` with the connection, under this link's lock; connects first when there is none or it
    /// broke. A connection that fails while in use is dropped, so the next call connects again. When it was
    /// found lost (closed by the server, cut, terminated by an administrator) and `body` only reads
    /// (`idempotent`) or threw `Unstarted`, `body` runs once more on a new connection: a connection that went
    /// away while idle costs no failure.
    func run<T>(idempotent: Bool = true, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try once(body)
        } catch let lost as LostConnection where idempotent || lost.underlying is Unstarted {
            do {
                return try once(body)
            } catch let again as LostConnection {
                throw Self.describe(Self.unwrap(again.underlying))
            }
        } catch let lost as LostConnection {
            throw Self.describe(Self.unwrap(lost.underlying))
        }
    }

    /// A failure on a connection found lost (and dropped).
    private struct LostConnection: Error {
        let underlying: any Error
    }

    private static func unwrap(_ error: any Error) -> any Error {
        (error as? Unstarted)?.underlying ?? error
    }

    /// Whether `error` means the connection is gone: closed, cut, or its backend terminated.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = unwrap(error) as? PSQLError else { return false }
        if error.code == .serverClosedConnection || error.code == .uncleanShutdown { return true }
        if let state = error.serverInfo?[.sqlState] { return state.hasPrefix("57P0") || state.hasPrefix("08") }
        return false
    }

    private func once<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let current: PostgresConnection
        if let connection, !connection.isClosed {
            current = connection
        } else {
            connection = nil
            let now = Date()
            if now < retryAt, let lastFailure {
                let wait = Int(retryAt.timeIntervalSince(now).rounded(.up))
                throw PostgresStoreError.connection("\(lastFailure); next attempt in \(wait) s")
            }
            do {
                current = try Self.connect(url)
            } catch {
                failures += 1
                retryAt = Date().addingTimeInterval(Self.backOff(afterFailures: failures))
                lastFailure = "\(url) not reachable (attempt \(failures))"
                throw error
            }
            failures = 0
            lastFailure = nil
            connection = current
        }
        do {
            return try body(current)
        } catch {
            if current.isClosed || Self.isConnectionLoss(error) {
                connection = nil
                // Closed before it is let go: the driver requires it.
                if !current.isClosed { try? current.close().wait() }
                lastFailure = "the connection to \(url) was lost"
                throw LostConnection(underlying: error)
            }
            throw Self.describe(Self.unwrap(error))
        }
    }

    /// Runs one statement and returns its rows. Throws the driver's error as it is: `run` tells a lost
    /// connection from a refused statement by it, and turns it into a `PostgresStoreError`.
    static func rows(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) throws -> [PostgresRow] {
        Array(try connection.query(query, logger: logger).wait())
    }

    /// Opens a connection to the server of `url`.
    static func connect(_ url: PostgresURL) throws(PostgresStoreError) -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        if url.isUnixSocket {
            configuration = .init(
                unixSocketPath: url.socketPath, username: url.user, password: url.password, database: url.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch url.tls {
            case .disable: tls = .disable
            case .require:
                do {
                    tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                } catch {
                    throw .connection("TLS could not be set up (\(error))")
                }
            }
            configuration = .init(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
                tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try PostgresConnection.connect(
                on: Self.group.next(), configuration: configuration, id: 1, logger: Self.logger
            ).wait()
        } catch {
            throw .connection("\(url) (\(Self.reason(error)))")
        }
    }

    /// The error as a store error: the server's message when it sent one, else what failed.
    static func describe(_ error: any Error) -> any Error {
        if error is PostgresStoreError { return error }
        if error is PSQLError || error is PostgresDecodingError { return PostgresStoreError.query(reason(error)) }
        return error
    }

    /// What went wrong, without the query's parameters or the password.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                let message = server[.message] ?? "error"
                let state = server[.sqlState].map { " [SQLSTATE \($0)]" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresDecodingError { return "unexpected column type (\(error.code))" }
        return "\(error)"
    }
}
