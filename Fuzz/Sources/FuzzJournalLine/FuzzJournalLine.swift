import FuzzHarness
import FuzzProperties

/// libFuzzer's input function: any input that breaks the property traps, so the fuzzer keeps it as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    return FuzzHarness.check(data, size) { JournalLineProperty.violations($0) }
}

/// The process entry (SwiftPM links `main` to `<module>_main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzJournalLine_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzHarness.run(argc, argv, fuzz)
}
