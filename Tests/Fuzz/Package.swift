// swift-tools-version:5.9
import PackageDescription

// A libFuzzer target for the reader, the whole pipeline and the JSON writer.
// It lives in its own package so that the main package's builds and tests
// never need the fuzzer runtime. Run it with Tests/Fuzz/run.sh.
let package = Package(
    name: "EntexFuzz",
    dependencies: [.package(name: "entex", path: "../..")],
    targets: [
        // The entry point SwiftPM's link line expects (see driver.c).
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "EntexFuzz",
            dependencies: ["FuzzDriver", .product(name: "Entex", package: "entex")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
