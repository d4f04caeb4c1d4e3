#include "lcov-info.h"
#include "unit.h"

static void
test_placeholder(void)
{
	CHECK(1);
}

int
main(void)
{
	RUN(test_placeholder);
	return UNIT_DONE();
}
