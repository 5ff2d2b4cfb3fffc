/// Option values given as `--name=VALUE` whose VALUE starts with a combining mark.
///
/// The argument parser looks for the `=` as a `Character`, and a combining mark joins the `=` into one
/// grapheme (`=` + U+0301 is the single character `=́`), so `--text=́…` was read as an unknown option named
/// `text=́…` (exit 64). Such an argument is handed to the parser as two, `--name` and `VALUE`, split at the
/// first `=` code point; VALUE starts with the mark, never with `-`, so it is still read as the value.
enum OptionValues {
    static func separated(_ arguments: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(arguments.count)
        var optionsEnded = false
        for argument in arguments {
            if optionsEnded || !argument.hasPrefix("--") {
                out.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                out.append(argument)
                continue
            }
            let scalars = argument.unicodeScalars
            guard let equals = scalars.firstIndex(of: "="), scalars.index(after: equals) != scalars.endIndex,
                String(scalars[equals...]).first != "="
            else {
                out.append(argument)
                continue
            }
            out.append(String(scalars[..<equals]))
            out.append(String(scalars[scalars.index(after: equals)...]))
        }
        return out
    }
}
