#include "test-output.h"
#include "unit.h"

static void
test_placeholder(void)
{
	CHECK(tout_format_name != NULL);
}

int
main(void)
{
	RUN(test_placeholder);
	return UNIT_DONE();
}
