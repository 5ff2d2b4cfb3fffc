/// Reads what follows an Esc that the terminal library did not recognise as a key, so that a sequence is
/// taken whole: either it is a key this program knows (arrows, Home, End, … in the forms terminals and
/// multiplexers send) or it is ignored. None of its bytes is ever taken as a key of its own: without this,
/// `Esc [ 1 ; 9 C` (Alt-Right in some terminals) would arrive as Esc and then `C`, which opens Certify.
///
/// The grammar is ECMA-48's: a control sequence (CSI) is `Esc [`, parameter bytes 0x30–0x3F, intermediate
/// bytes 0x20–0x2F and one final byte 0x40–0x7E; `Esc O` and one byte is an SS3 key; `Esc ]` opens a string
/// ended by BEL or `Esc \` (the other string introducers, `P`, `X`, `^`, `_`, are keys a hand types after
/// Esc, and no terminal sends them unasked). A lone Esc is the Escape key, and so is an Esc before any other
/// key, which is then read as itself.
public enum EscapeSequence {
    /// What the scalars after an Esc amount to so far.
    public enum Step: Equatable, Sendable {
        /// The sequence is not complete: read another scalar (when none comes in time, call `timedOut`).
        case needMore
        /// The first `consumed` scalars after the Esc belong to it; they make `key` (nil: ignore them all).
        /// Scalars after those are read again as keys of their own.
        case complete(key: Key?, consumed: Int)
    }

    /// The longest sequence read before what was read is dropped (a runaway stream); real ones are far
    /// shorter.
    public static let maximumLength = 4096

    /// Decodes `tail`, the scalars read after an Esc.
    public static func decode(_ tail: [UInt32]) -> Step {
        guard let first = tail.first else { return .needMore }
        switch first {
        case 0x5B: return controlSequence(tail)  // [
        case 0x4F:  // O: SS3 and one byte
            guard tail.count >= 2 else { return .needMore }
            return .complete(key: ss3Key(tail[1]), consumed: 2)
        case 0x5D:  // ]: an operating-system command's answer, up to BEL or ST
            return controlString(tail)
        default:
            // Esc and anything else (another Esc, a letter, a control character) is the Escape key, then that
            // key read as itself: a script or a quick hand types Esc and the next key within milliseconds,
            // which cannot be told from Alt and the key.
            return .complete(key: .escape, consumed: 0)
        }
    }

    /// What to do when no further scalar came in time after `tail`.
    public static func timedOut(_ tail: [UInt32]) -> Step {
        // A lone Esc is the Escape key; a sequence cut short is dropped whole.
        tail.isEmpty ? .complete(key: .escape, consumed: 0) : .complete(key: nil, consumed: tail.count)
    }

    private static func controlSequence(_ tail: [UInt32]) -> Step {
        var index = 1
        while index < tail.count {
            let byte = tail[index]
            switch byte {
            case 0x20...0x3F:
                index += 1
            case 0x40...0x7E:
                let parameters = String(
                    decoding: tail[1..<index].filter { $0 < 0x80 }.map { UInt8($0) }, as: UTF8.self)
                if byte == 0x4D, parameters.isEmpty {
                    // X10 mouse report: Esc [ M and three raw bytes.
                    guard tail.count >= index + 4 else { return .needMore }
                    return .complete(key: nil, consumed: index + 4)
                }
                if byte == 0x4D || byte == 0x6D, parameters.hasPrefix("<") {
                    // SGR mouse report: Esc [ < button ; column ; row, then M (press) or m (release).
                    return .complete(
                        key: MouseEvent.sgr(parameters, pressed: byte == 0x4D).map { .mouse($0) }, consumed: index + 1)
                }
                return .complete(key: csiKey(parameters, final: byte), consumed: index + 1)
            default:
                // Not a control sequence after all: drop what was read, read the offending scalar again.
                return .complete(key: nil, consumed: index)
            }
            if index >= maximumLength { return .complete(key: nil, consumed: index) }
        }
        return .needMore
    }

    private static func controlString(_ tail: [UInt32]) -> Step {
        var index = 1
        while index < tail.count {
            if tail[index] == 0x07 { return .complete(key: nil, consumed: index + 1) }
            if tail[index] == 0x1B {
                guard index + 1 < tail.count else { return .needMore }
                return .complete(key: nil, consumed: tail[index + 1] == 0x5C ? index + 2 : index)
            }
            index += 1
            if index >= maximumLength { return .complete(key: nil, consumed: index) }
        }
        return .needMore
    }

    /// The key of a control sequence with `parameters` and `final` byte; nil for any other (with a
    /// modifier such as Shift, Alt or Ctrl, for instance: no binding uses one).
    static func csiKey(_ parameters: String, final: UInt32) -> Key? {
        let plain = parameters.isEmpty || parameters == "1"
        switch final {
        case 0x41: return plain ? .up : nil  // A
        case 0x42: return plain ? .down : nil  // B
        case 0x43: return plain ? .right : nil  // C
        case 0x44: return plain ? .left : nil  // D
        case 0x48: return plain ? .home : nil  // H
        case 0x46: return plain ? .end : nil  // F
        case 0x5A: return parameters.isEmpty ? .backTab : nil  // Z
        case 0x7E:  // ~: a numbered key
            switch parameters {
            case "1", "7": return .home
            case "4", "8": return .end
            case "3": return .delete
            case "5": return .pageUp
            case "6": return .pageDown
            case "11": return .f1
            default: return nil
            }
        default: return nil
        }
    }

    static func ss3Key(_ byte: UInt32) -> Key? {
        switch byte {
        case 0x41: return .up
        case 0x42: return .down
        case 0x43: return .right
        case 0x44: return .left
        case 0x48: return .home
        case 0x46: return .end
        case 0x50: return .f1
        case 0x4D: return .enter  // keypad Enter
        default: return nil
        }
    }
}

/// Turns what a terminal library returns into keys, taking escape sequences whole (`EscapeSequence`).
public struct KeyStream: Sendable {
    /// What the library returned: a character, or a key it decoded itself (nil: a resize or a key unknown
    /// to this program).
    public enum Input: Equatable, Sendable {
        case scalar(UInt32)
        case key(Key?)
    }

    /// Read ahead while taking a sequence whole, and not part of it.
    private var pending: [Input] = []

    public init() {}

    /// The next key. `read(inSequence)` returns the library's next input, or nil when none came in time; it
    /// is asked with `inSequence` true for the bytes after an Esc (a short wait). Returns nil when nothing
    /// came, or what came is ignored (an unknown sequence, a resize).
    public mutating func next(_ read: (_ inSequence: Bool) -> Input?) -> Key? {
        guard let input = pending.isEmpty ? read(false) : pending.removeFirst() else { return nil }
        guard case .scalar(let value) = input else {
            if case .key(let key) = input { return key }
            return nil
        }
        guard value == 0x1B else { return Key.fromScalar(value) }
        var tail: [UInt32] = []
        while true {
            var step = EscapeSequence.decode(tail)
            if step == .needMore {
                if let next = pending.isEmpty ? read(true) : pending.removeFirst() {
                    if case .scalar(let scalar) = next {
                        tail.append(scalar)
                        continue
                    }
                    pending.insert(next, at: 0)  // a key the library decoded ends the sequence
                }
                step = EscapeSequence.timedOut(tail)
            }
            guard case .complete(let key, let consumed) = step else { continue }
            pending.insert(contentsOf: tail[min(consumed, tail.count)...].map { Input.scalar($0) }, at: 0)
            return key
        }
    }

    /// Every key in `scalars` read in one go (a test's view of a stream: the end is a timeout).
    public static func keys(in scalars: [UInt32]) -> [Key?] {
        var stream = KeyStream()
        var remaining = scalars[...]
        var keys: [Key?] = []
        while !remaining.isEmpty || !stream.pending.isEmpty {
            keys.append(
                stream.next { _ in
                    guard let first = remaining.popFirst() else { return nil }
                    return .scalar(first)
                })
        }
        return keys
    }
}
