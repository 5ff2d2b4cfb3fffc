#if canImport(Glibc)
    import Glibc
#endif

/// Reads passwords: line by line from standard input (`--password-stdin`), or from the terminal with echo
/// off. Never from arguments or the environment.
final class PasswordSource {
    private let fromStandardInput: Bool

    init(fromStandardInput: Bool) {
        self.fromStandardInput = fromStandardInput
    }

    /// The next password.
    func read(prompt: String) throws -> String {
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true) else {
                throw Failure(.dataError, "--password-stdin: standard input ended before a password line")
            }
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        return try readFromTerminal(prompt: prompt)
    }

    /// A new password: from standard input once, or typed twice at the terminal.
    func readNew(prompt: String) throws -> String {
        if fromStandardInput { return try read(prompt: prompt) }
        let first = try readFromTerminal(prompt: prompt)
        let second = try readFromTerminal(prompt: "Repeat it: ")
        guard first == second else { throw Failure(.dataError, "the two passwords differ; nothing was changed") }
        return first
    }

    private func readFromTerminal(prompt: String) throws -> String {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw Failure(.unavailable, "no terminal to ask for a password; use --password-stdin")
        }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            throw Failure(.unavailable, "cannot switch off echo on the terminal; use --password-stdin")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer { tcsetattr(fd, TCSAFLUSH, &saved) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(fd, &byte, 1) == 1 {
            if byte == 0x0A { break }
            bytes.append(byte)
            if bytes.count > 4096 { break }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
