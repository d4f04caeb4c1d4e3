/* stub: implemented by the test-output parser work */
#include "test-output.h"

const char *
tout_format_name(enum tout_format f)
{
	(void)f;
	return "none";
}
