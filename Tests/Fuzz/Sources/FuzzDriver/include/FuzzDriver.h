#ifndef ENTEX_FUZZ_DRIVER_H
#define ENTEX_FUZZ_DRIVER_H
// Nothing to import: FuzzDriver only supplies the entry point (see driver.c).
#endif
