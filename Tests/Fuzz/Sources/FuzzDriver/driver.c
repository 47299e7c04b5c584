// Entry point of the EntexFuzz executable.
//
// SwiftPM links an executable target on ELF with `--defsym main=<Target>_main`, but a
// target built with `-parse-as-library` (which libFuzzer needs: it brings its own `main`)
// never defines `EntexFuzz_main`, so the link fails. Defining it here, as a call into
// libFuzzer's driver with the Swift `LLVMFuzzerTestOneInput`, satisfies the alias and
// keeps libFuzzer's usual command line.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int EntexFuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
