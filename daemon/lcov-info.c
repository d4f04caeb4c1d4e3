/* stub: the lcov-info work fills this in */
#include "lcov-info.h"
