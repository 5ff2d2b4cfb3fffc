import Testing

@testable import ReleaseDeskWorkstation

@Suite("Escape sequences read whole")
struct EscapeSequenceTests {
    static func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    static func keys(_ text: String) -> [Key?] { KeyStream.keys(in: scalars(text)) }

    @Test func unknownSequencesAreIgnoredWholeAndNeverActAsTheirLetters() {
        // Alt-Right in some terminals ends in C (Certify); ECH ends in X (Reject).
        #expect(Self.keys("\u{1B}[1;9C") == [nil])
        #expect(Self.keys("\u{1B}[29X") == [nil])
        #expect(Self.keys("\u{1B}[1;5H") == [nil])
        #expect(Self.keys("\u{1B}[?1;2c") == [nil])  // a device-attributes answer
        #expect(Self.keys("\u{1B}]11;rgb:0000/0000/0000\u{07}") == [nil])  // a colour answer
        #expect(Self.keys("\u{1B}]52;c;QUJD\u{1B}\\") == [nil])
        #expect(Self.keys("\u{1B}[<32;12;7M") == [nil])  // an SGR report of motion, not used
        #expect(Self.keys("\u{1B}[M !!") == [nil])  // an X10 mouse report
    }

    @Test func sgrMouseReportsAreReadWholeAsMouseEvents() {
        #expect(Self.keys("\u{1B}[<0;12;7M") == [.mouse(MouseEvent(.press(button: 0), x: 11, y: 6))])
        #expect(Self.keys("\u{1B}[<0;12;7m") == [.mouse(MouseEvent(.release(button: 0), x: 11, y: 6))])
        #expect(Self.keys("\u{1B}[<2;1;1M") == [.mouse(MouseEvent(.press(button: 2), x: 0, y: 0))])
        #expect(Self.keys("\u{1B}[<64;40;20M") == [.mouse(MouseEvent(.wheelUp, x: 39, y: 19))])
        #expect(Self.keys("\u{1B}[<65;40;20M") == [.mouse(MouseEvent(.wheelDown, x: 39, y: 19))])
        // Beyond column 223 (where the X10 form ends) and followed by a key, which is read as itself.
        #expect(Self.keys("\u{1B}[<0;300;2Mj") == [.mouse(MouseEvent(.press(button: 0), x: 299, y: 1)), .char("j")])
        // With Ctrl or Shift, a drag, an extra button or a malformed report: ignored whole, never a letter.
        for report in ["<16;5;5M", "<4;5;5M", "<35;5;5M", "<128;5;5M", "<0;0;5M", "<0;5M", "<0;5;5;9M"] {
            #expect(Self.keys("\u{1B}[" + report) == [nil], "\(report)")
        }
        // Cut short: dropped whole when no more comes in time.
        #expect(Self.keys("\u{1B}[<0;12") == [nil])
    }

    @Test func theKeysOfTerminalsAndMultiplexersAreKnown() {
        #expect(Self.keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
        #expect(Self.keys("\u{1B}OA\u{1B}OB\u{1B}OC\u{1B}OD") == [.up, .down, .right, .left])
        // Home and End as tmux (1~ 4~), rxvt (7~ 8~), xterm (H F, OH OF) send them.
        #expect(Self.keys("\u{1B}[1~\u{1B}[4~\u{1B}[7~\u{1B}[8~") == [.home, .end, .home, .end])
        #expect(Self.keys("\u{1B}[H\u{1B}[F\u{1B}OH\u{1B}OF") == [.home, .end, .home, .end])
        #expect(Self.keys("\u{1B}[5~\u{1B}[6~\u{1B}[3~\u{1B}[Z") == [.pageUp, .pageDown, .delete, .backTab])
    }

    @Test func aLoneEscIsEscapeAndWhatFollowsASequenceIsReadAgain() {
        #expect(Self.keys("\u{1B}") == [.escape])
        #expect(Self.keys("\u{1B}\u{1B}[A") == [.escape, .up])
        #expect(Self.keys("\u{1B}[1;9Cj") == [nil, .char("j")])
        #expect(Self.keys("\u{1B}\r") == [.escape, .enter])
        // Esc typed just before a key (as a script or a quick hand does) is Escape, then that key.
        #expect(Self.keys("\u{1B}\u{1B}1/") == [.escape, .escape, .char("1"), .char("/")])
        #expect(Self.keys("\u{1B}q") == [.escape, .char("q")])
        #expect(Self.keys("\u{1B}X") == [.escape, .char("X")])
        // A sequence broken by a control character: dropped, the control character read as itself.
        #expect(Self.keys("\u{1B}[12\r") == [nil, .enter])
        // Cut short by the end of input (a timeout): dropped whole.
        #expect(Self.keys("\u{1B}[1;9") == [nil])
        #expect(Self.keys("jk") == [.char("j"), .char("k")])
    }

    @Test func aKeyTheLibraryDecodedEndsASequence() {
        var stream = KeyStream()
        var inputs: [KeyStream.Input] = [.scalar(0x1B), .scalar(0x5B), .key(.down), .scalar(0x6A)]
        var keys: [Key?] = []
        for _ in 0..<3 {
            keys.append(
                stream.next { _ in inputs.isEmpty ? nil : inputs.removeFirst() })
        }
        #expect(keys == [nil, .down, .char("j")])
    }

    @Test func noRandomSequenceBecomesACharacterOrARunawayRead() {
        var generator = SystemRandomNumberGenerator()
        let finals = Array(0x40...0x7E).map(UInt32.init)
        for _ in 0..<5_000 {
            var sequence: [UInt32] = [0x1B, 0x5B]
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                sequence.append(UInt32.random(in: 0x20...0x3F, using: &generator))
            }
            sequence.append(finals.randomElement(using: &generator)!)
            if sequence == [0x1B, 0x5B, 0x4D] { continue }  // the X10 mouse prefix waits for three bytes
            let keys = KeyStream.keys(in: sequence)
            #expect(keys.count == 1, "\(sequence)")
            if case .char = keys.first ?? nil { Issue.record("\(sequence) became \(keys)") }
        }
        let runaway = [0x1B, 0x5B] + [UInt32](repeating: 0x31, count: 1000) + [0x43]
        #expect(KeyStream.keys(in: runaway) == [nil])
    }
}
