/* stub: implemented by the test-output parser work */
#include "test-output.h"
