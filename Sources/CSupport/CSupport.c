// CSupport has only static inline functions (include/CSupport.h); SwiftPM wants a source file.
#include "CSupport.h"
