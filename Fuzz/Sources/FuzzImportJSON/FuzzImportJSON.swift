import CFuzzerDriver
import FuzzProperties

/// libFuzzer entry: any input that breaks a property traps, so the fuzzer keeps it as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let problems = ImportProperty.violations(bytes, file: "fuzz.json")
    if let first = problems.first { fatalError("property violated: \(first)") }
    return 0
}

/// The process entry (SwiftPM links `main` to `<module>_main`): libFuzzer's driver with this target's input
/// function.
@_cdecl("FuzzImportJSON_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
