/// Where a PostgreSQL store is: a `postgres://` or `postgresql://` URL, checked field by field.
///
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require][&host=/SOCKET/DIRECTORY]`.
/// A host that starts with `/` (written `%2F…` in the host part, or given as `?host=`) is the directory of
/// the server's unix socket, as libpq reads it. The password is kept for connecting and never shown:
/// `description` leaves it out.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, require }

    public var user: String
    public var password: String?
    /// A host name, or the directory of a unix socket (starts with `/`).
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// Whether `text` names a PostgreSQL store (its scheme), as opposed to a journal file.
    public static func isPostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses `text`; the error names the part that is wrong (never the password).
    public init(_ text: String) throws(PostgresStoreError) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else if lower.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else {
            throw .badURL("a PostgreSQL store URL starts with postgres:// or postgresql://")
        }
        var main = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            main = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        var authority = main
        var path: Substring = ""
        if let slash = main.firstIndex(of: "/") {
            authority = main[..<slash]
            path = main[main.index(after: slash)...]
        }
        var userInfo: Substring? = nil
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        }
        var user = "postgres"
        var password: String? = nil
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], "user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                user = try Self.decode(userInfo, "user name")
            }
            guard !user.isEmpty else { throw .badURL("the user name before @ is empty") }
        }
        var host = "localhost"
        var port = 5432
        var hostText = hostPort
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            hostText = hostPort[..<colon]
            let portText = hostPort[hostPort.index(after: colon)...]  // never echoed: it may be a password
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .badURL("the port after the host's colon is not a number from 1 to 65535")
            }
            port = value
        }
        if !hostText.isEmpty { host = try Self.decode(hostText, "host") }
        var tls: TLSMode = .disable
        for pair in query.split(separator: "&") where !pair.isEmpty {
            guard let eq = pair.firstIndex(of: "=") else {
                throw .badURL("the parameter \"\(pair)\" has no value (name=value)")
            }
            let name = String(pair[..<eq])
            let value = try Self.decode(pair[pair.index(after: eq)...], "value of \(name)")
            switch name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "require", "verify-full": tls = .require
                default: throw .badURL("sslmode must be disable or require, not \"\(value)\"")
                }
            case "host": host = value
            case "user": user = value
            case "port":
                guard let value = Int(value), (1...65535).contains(value) else {
                    throw .badURL("the port parameter is not a number from 1 to 65535")
                }
                port = value
            default:
                throw .badURL("unknown parameter \"\(name)\" (known: sslmode, host, port, user)")
            }
        }
        let database = try Self.decode(path, "database name")
        guard !database.isEmpty else { throw .badURL("no database name: give it after the host, as in …/releasedesk") }
        guard !host.isEmpty else { throw .badURL("the host is empty") }
        if host.hasPrefix("/") && tls == .require {
            throw .badURL("sslmode=require does not apply to a unix socket (\(host))")
        }
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
    }

    /// Whether the host is a unix socket directory.
    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket file of the server in the socket directory.
    public var socketPath: String { host + "/.s.PGSQL.\(port)" }

    /// The URL without its password, for messages, `info` and logs.
    public var description: String {
        let hostPart = isUnixSocket ? "" : host + (port == 5432 ? "" : ":\(port)")
        var text =
            "postgres://\(Self.encode(user))\(password == nil ? "" : ":***")@\(hostPart)/\(Self.encode(database))"
        var parameters: [String] = []
        if isUnixSocket {
            parameters.append("host=" + host)
            if port != 5432 { parameters.append("port=\(port)") }
        }
        if tls == .require { parameters.append("sslmode=require") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Percent-decodes one part of the URL; the error names the part.
    private static func decode(_ text: Substring, _ part: String) throws(PostgresStoreError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                else {
                    throw .badURL("the \(part) has a % that is not followed by two hex digits")
                }
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .badURL("the \(part) is not UTF-8 once decoded")
        }
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .badURL("the \(part) holds a control character")
        }
        return decoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
