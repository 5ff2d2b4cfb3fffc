import ReleaseDeskCore
import ReleaseDeskJournal

/// How passwords are checked.
public enum AuthenticationMethod: String, Sendable, CaseIterable {
    /// scrypt hashes in the credential file beside the journal.
    case local
    /// The operating system's accounts, through PAM.
    case pam
}

/// The authentication settings, resolved from `--auth`, `$RELEASEDESK_AUTH` and the configuration file.
public struct AuthenticationSettings: Sendable, Equatable {
    /// Local credentials or PAM.
    public var method: AuthenticationMethod
    /// The PAM service name (`pam_service`).
    public var pamService: String
    /// A PAM configuration directory instead of the system's; only tests set it (debug builds).
    public var pamConfigDirectory: String?

    public init(
        method: AuthenticationMethod = .local, pamService: String = PAMAuthenticator.defaultService,
        pamConfigDirectory: String? = nil
    ) {
        self.method = method
        self.pamService = pamService
        self.pamConfigDirectory = pamConfigDirectory
    }

    /// Whether passwords are set by ReleaseDesk (local) rather than by the operating system (PAM).
    public var managesPasswords: Bool { method == .local }

    /// The one place an authenticator is made: every command and the workstation use it.
    public func authenticator(for locations: Locations) -> Authenticator {
        switch method {
        case .local: return LocalAuthenticator(store: CredentialStore(path: locations.credentials))
        case .pam: return PAMAuthenticator(service: pamService, configDirectory: pamConfigDirectory)
        }
    }

    /// Resolves the settings: `option` (`--auth`), else `$RELEASEDESK_AUTH`, else the configuration file's
    /// `auth`, else local. The PAM service comes from the file's `pam_service`, else `releasedesk`.
    public static func resolve(option: String?, environment: [String: String]) throws(ConfigurationError)
        -> AuthenticationSettings
    {
        let file = try ConfigurationFile.load(environment: environment)
        var settings = AuthenticationSettings()
        if let entry = file?.values["auth"] {
            guard let method = AuthenticationMethod(rawValue: entry.value) else {
                throw ConfigurationError(
                    file: file!.path, line: entry.line, field: "auth",
                    reason: "must be \"local\" or \"pam\", not \"\(entry.value)\"")
            }
            settings.method = method
        }
        if let entry = file?.values["pam_service"] {
            guard PAMAuthenticator.isValidService(entry.value) else {
                throw ConfigurationError(
                    file: file!.path, line: entry.line, field: "pam_service",
                    reason: "\"\(entry.value)\" is not a service name (letters, digits, '.', '_' and '-')")
            }
            settings.pamService = entry.value
        }
        if let variable = environment["RELEASEDESK_AUTH"], !variable.isEmpty {
            guard let method = AuthenticationMethod(rawValue: variable) else {
                throw ConfigurationError(
                    file: nil, line: nil, field: "RELEASEDESK_AUTH", reason: "must be local or pam, not \"\(variable)\""
                )
            }
            settings.method = method
        }
        if let option, !option.isEmpty {
            guard let method = AuthenticationMethod(rawValue: option) else {
                throw ConfigurationError(
                    file: nil, line: nil, field: "--auth", reason: "must be local or pam, not \"\(option)\"")
            }
            settings.method = method
        }
        #if RELEASEDESK_TEST_HOOKS
            // Debug builds only: lets the tests run the real binary against their own PAM service files.
            // Release builds never read it, so nobody can point a release build at a permissive PAM file.
            if let directory = environment["RELEASEDESK_TEST_PAM_CONFDIR"], !directory.isEmpty {
                settings.pamConfigDirectory = directory
            }
        #endif
        return settings
    }
}

/// The configuration file: `$RELEASEDESK_CONFIG`, else `$XDG_CONFIG_HOME/releasedesk/config.toml` (else
/// `~/.config/releasedesk/config.toml`) when it exists, else `/etc/releasedesk/config.toml` when it exists.
///
/// A TOML subset: `key = "string"` lines, `#` comments, blank lines. Unknown keys are errors, so a typo is
/// never silently ignored.
public struct ConfigurationFile: Sendable {
    /// The keys the file may hold.
    public static let keys: Set<String> = [
        "auth", "pam_service", "idle_lock_minutes", "max_failed_sign_ins", "store", "mouse", "clipboard",
    ]
    /// The site-wide file, read when the user has none.
    public static let systemPath = "/etc/releasedesk/config.toml"

    /// Where it was read from.
    public var path: String
    /// Each key's value and line.
    public var values: [String: (value: String, line: Int)]

    /// The file that applies, or `nil` when there is none.
    public static func load(environment: [String: String]) throws(ConfigurationError) -> ConfigurationFile? {
        if let explicit = environment["RELEASEDESK_CONFIG"], !explicit.isEmpty {
            guard let bytes = try read(explicit) else {
                throw ConfigurationError(
                    file: explicit, line: nil, field: "RELEASEDESK_CONFIG", reason: "the file does not exist")
            }
            return try parse(bytes, path: explicit)
        }
        for path in candidates(named: "config.toml", environment: environment) {
            if let bytes = try read(path) { return try parse(bytes, path: path) }
        }
        return nil
    }

    /// Where a file of the configuration folder is looked for, in order: the user's folder
    /// (`$XDG_CONFIG_HOME/releasedesk`, else `~/.config/releasedesk`), then `/etc/releasedesk`.
    static func candidates(named name: String, environment: [String: String]) -> [String] {
        var candidates: [String] = []
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            candidates.append(config + "/releasedesk/" + name)
        } else if let home = environment["HOME"], !home.isEmpty {
            candidates.append(home + "/.config/releasedesk/" + name)
        }
        candidates.append("/etc/releasedesk/" + name)
        return candidates
    }

    static func read(_ path: String) throws(ConfigurationError) -> [UInt8]? {
        do throws(FileBytes.Failure) {
            return try FileBytes.read(path, limit: 1 << 16)
        } catch {
            throw ConfigurationError(file: path, line: nil, field: nil, reason: "cannot be read: \(error.description)")
        }
    }

    /// Parses the text of a configuration file read from `path` (for messages).
    public static func parse(_ bytes: [UInt8], path: String) throws(ConfigurationError) -> ConfigurationFile {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(file: path, line: nil, field: nil, reason: "is not UTF-8")
        }
        var values: [String: (value: String, line: Int)] = [:]
        var number = 0
        // "\r\n" is one Character in Swift, so both line ends are named.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") { continue }
            guard let eq = content.firstIndex(of: "=") else {
                throw ConfigurationError(file: path, line: number, field: nil, reason: "expected key = \"value\"")
            }
            let key = String(content[..<eq]).trimmingWhitespace()
            guard keys.contains(key) else {
                let known = keys.sorted().joined(separator: ", ")
                throw ConfigurationError(file: path, line: number, field: key, reason: "unknown key (known: \(known))")
            }
            guard values[key] == nil else {
                throw ConfigurationError(
                    file: path, line: number, field: key, reason: "given twice (first on line \(values[key]!.line))")
            }
            values[key] = (try quoted(content[content.index(after: eq)...], path: path, line: number, key: key), number)
        }
        return ConfigurationFile(path: path, values: values)
    }

    /// The string of `"value"` (or a bare whole number) followed by nothing but an optional comment. No
    /// escapes: none are needed.
    static func quoted(_ rest: Substring, path: String, line: Int, key: String) throws(ConfigurationError) -> String {
        let value = rest.drop { $0 == " " || $0 == "\t" }
        for word in ["true", "false"] where value.hasPrefix(word) {
            let after = value.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }
            if after.isEmpty || after.hasPrefix("#") { return word }
        }
        if let first = value.first, first.isASCII, first.isNumber {
            let digits = value.prefix { $0.isASCII && $0.isNumber }
            let after = value.dropFirst(digits.count).drop { $0 == " " || $0 == "\t" }
            guard after.isEmpty || after.hasPrefix("#") else {
                throw ConfigurationError(file: path, line: line, field: key, reason: "unexpected text after the value")
            }
            return String(digits)
        }
        guard value.first == "\"", let close = value.dropFirst().firstIndex(of: "\"") else {
            throw ConfigurationError(
                file: path, line: line, field: key, reason: "the value must be a string in double quotes")
        }
        let inner = value[value.index(after: value.startIndex)..<close]
        if inner.contains("\\") {
            throw ConfigurationError(file: path, line: line, field: key, reason: "escapes are not supported")
        }
        let after = value[value.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        guard after.isEmpty || after.hasPrefix("#") else {
            throw ConfigurationError(file: path, line: line, field: key, reason: "unexpected text after the value")
        }
        return String(inner)
    }
}

/// The security policy from the configuration file: `idle_lock_minutes` (default 15, 1–480) and
/// `max_failed_sign_ins` (default 5, 3–10).
public enum SecuritySettings {
    public static func resolve(environment: [String: String]) throws(ConfigurationError) -> SecurityPolicy {
        var policy = SecurityPolicy()
        guard let file = try ConfigurationFile.load(environment: environment) else { return policy }
        func number(_ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let entry = file.values[key] else { return nil }
            guard let value = Int(entry.value), range.contains(value) else {
                throw ConfigurationError(
                    file: file.path, line: entry.line, field: key,
                    reason:
                        "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(entry.value)\""
                )
            }
            return value
        }
        if let minutes = try number("idle_lock_minutes", 1...480) {
            policy.idleLockMilliseconds = Int64(minutes) * 60_000
        }
        if let failures = try number("max_failed_sign_ins", 3...10) { policy.maxFailedSignIns = failures }
        return policy
    }
}

/// The workstation's settings from the configuration file: `mouse` (default true: clicks select, the wheel
/// scrolls) and `clipboard` (`"osc52"`: `y` copies the selected id through the terminal; default off).
public struct WorkstationSettings: Sendable, Equatable {
    public var mouse = true
    public var clipboardOSC52 = false

    public init(mouse: Bool = true, clipboardOSC52: Bool = false) {
        self.mouse = mouse
        self.clipboardOSC52 = clipboardOSC52
    }

    public static func resolve(environment: [String: String]) throws(ConfigurationError) -> WorkstationSettings {
        var settings = WorkstationSettings()
        guard let file = try ConfigurationFile.load(environment: environment) else { return settings }
        if let entry = file.values["mouse"] {
            guard entry.value == "true" || entry.value == "false" else {
                throw ConfigurationError(
                    file: file.path, line: entry.line, field: "mouse",
                    reason: "must be true or false, not \"\(entry.value)\"")
            }
            settings.mouse = entry.value == "true"
        }
        if let entry = file.values["clipboard"] {
            guard entry.value == "osc52" || entry.value == "off" else {
                throw ConfigurationError(
                    file: file.path, line: entry.line, field: "clipboard",
                    reason: "must be \"osc52\" or \"off\", not \"\(entry.value)\"")
            }
            settings.clipboardOSC52 = entry.value == "osc52"
        }
        return settings
    }
}

/// `keys.toml`, the workstation's key bindings, beside the configuration file: in the folder of
/// `$RELEASEDESK_CONFIG` when that is set, else the user's (`$XDG_CONFIG_HOME/releasedesk/keys.toml`, else
/// `~/.config/releasedesk/keys.toml`) when it exists, else `/etc/releasedesk/keys.toml` when it exists. Its
/// form and checks are the workstation's (`KeyMapFile`).
public enum KeyBindingsFile {
    /// The path and text of the file that applies, or nil when there is none.
    public static func load(environment: [String: String]) throws(ConfigurationError) -> (path: String, text: String)? {
        var candidates = ConfigurationFile.candidates(named: "keys.toml", environment: environment)
        if let explicit = environment["RELEASEDESK_CONFIG"], !explicit.isEmpty {
            let folder = explicit.contains("/") ? String(explicit[..<explicit.lastIndex(of: "/")!]) : "."
            candidates = [(folder.isEmpty ? "" : folder) + "/keys.toml"]
        }
        for path in candidates {
            guard let bytes = try ConfigurationFile.read(path) else { continue }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ConfigurationError(file: path, line: nil, field: nil, reason: "is not UTF-8")
            }
            return (path, text)
        }
        return nil
    }
}

/// A configuration problem, naming the file, line and field when there are any.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: String?
    public var reason: String

    public init(file: String?, line: Int?, field: String?, reason: String) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var place = ""
        if let file { place = file + (line.map { ":\($0)" } ?? "") + ": " }
        return "configuration: " + place + (field.map { "\($0): " } ?? "") + reason
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
