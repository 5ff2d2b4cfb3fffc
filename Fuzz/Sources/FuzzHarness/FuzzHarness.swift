import CFuzzerDriver

/// What every fuzz target does around its property: trap on the first violation, so libFuzzer keeps the
/// input as a crash, and hand the process over to libFuzzer's driver.
public enum FuzzHarness {
    /// Checks one input against `violations`; traps on the first one.
    public static func check(_ data: UnsafePointer<UInt8>, _ size: Int, _ violations: ([UInt8]) -> [String]) -> CInt {
        let problems = violations(Array(UnsafeBufferPointer(start: data, count: size)))
        if let first = problems.first { fatalError("property violated: \(first)") }
        return 0
    }

    /// Runs libFuzzer's driver with `testOneInput` (the target's `LLVMFuzzerTestOneInput`).
    public static func run(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
        _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
    }
}
