import CPAMShim

/// Checks passwords with PAM, so a shared host can use its operating-system accounts.
///
/// The ReleaseDesk user id is the account name PAM is asked about. PAM only decides whether the password is
/// right and the account usable now; enrolment and roles stay in the journal, and failures go through
/// `Desk.signIn` like any other (journaled, counted towards the lock-out). PAM cannot set passwords here:
/// they are changed with the operating system's tools.
public struct PAMAuthenticator: Authenticator {
    /// The service name used when none is configured (`/etc/pam.d/releasedesk`).
    public static let defaultService = "releasedesk"

    /// The PAM service: the name of the file in the PAM configuration directory.
    public let service: String
    /// The directory of service files; `nil` means the system's (`/etc/pam.d`). Tests use their own.
    public let configDirectory: String?

    public init(service: String = PAMAuthenticator.defaultService, configDirectory: String? = nil) {
        self.service = service
        self.configDirectory = configDirectory
    }

    public var name: String { "pam" }

    /// Whether `name` may be used as a PAM service: letters, digits, '.', '_' and '-', not starting with '.'.
    public static func isValidService(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != ".", name.utf8.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "." || s == "_"
                || s == "-"
        }
    }

    public func verify(user: String, password: String) throws -> Bool {
        guard Self.isValidService(service) else { throw PAMError.invalidService(service) }
        // PAM has no use for user names or passwords holding NUL; such a pair can never be right.
        guard !user.utf8.contains(0), !password.utf8.contains(0), !user.isEmpty else { return false }
        var secret = password.utf8CString  // the one copy handed to C; zeroed there before it returns
        let length = secret.count - 1
        var message = [CChar](repeating: 0, count: 512)
        var status: Int32 = 0
        let outcome = secret.withUnsafeMutableBufferPointer { secretBuffer in
            message.withUnsafeMutableBufferPointer { messageBuffer in
                if let configDirectory {
                    return rd_pam_check(
                        service, configDirectory, user, secretBuffer.baseAddress, length, messageBuffer.baseAddress,
                        messageBuffer.count, &status)
                }
                return rd_pam_check(
                    service, nil, user, secretBuffer.baseAddress, length, messageBuffer.baseAddress,
                    messageBuffer.count,
                    &status)
            }
        }
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch outcome {
        case Int32(RD_PAM_ACCEPTED): return true
        case Int32(RD_PAM_REJECTED), Int32(RD_PAM_ACCOUNT_REFUSED): return false
        default: throw PAMError.unavailable(service: service, status: status, message: text)
        }
    }
}

/// Why a PAM check could not be made (as opposed to a wrong password, which is an answer).
public enum PAMError: Error, Equatable, CustomStringConvertible {
    case invalidService(String)
    case unavailable(service: String, status: Int32, message: String)

    public var description: String {
        switch self {
        case .invalidService(let name):
            return "PAM service name \"\(name)\" is not valid (letters, digits, '.', '_' and '-')"
        case .unavailable(let service, let status, let message):
            return "PAM could not check the password (service \(service), status \(status)): \(message)"
        }
    }
}
