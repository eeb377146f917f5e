/*
 * test_upload.c - --archive-s3 destinations (upload.h).
 */
#include <stdlib.h>

#include "unit.h"
#include "upload.h"

static void
check_dest(const char *url, const char *want)
{
	char *dest = NULL, *err = NULL;

	CHECK_INT(upload_parse_dest(url, &dest, &err), 0);
	CHECK_STR(dest, want);
	free(dest);
	free(err);
}

static void
test_dest_canonical(void)
{
	check_dest("s3://my-lake/flows/", "s3://my-lake/flows/");
	check_dest("s3://my-lake/flows", "s3://my-lake/flows/");
	check_dest("s3://my-lake/a/b", "s3://my-lake/a/b/");
	check_dest("s3://my-lake/", "s3://my-lake/");
	check_dest("s3://my-lake", "s3://my-lake/");
}

static void
test_dest_bad(void)
{
	static const char *const bad[] = { "my-lake/flows", "s3://", "s3://ab",
	    "s3://My_Lake/x", "https://my-lake/x" };
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *dest = NULL, *err = NULL;

		CHECK_INT(upload_parse_dest(bad[i], &dest, &err), -1);
		CHECK(dest == NULL);
		CHECK(err != NULL && strstr(err, "--archive-s3") != NULL);
		free(err);
	}
}

UNIT_MAIN(UNIT_CASE(test_dest_canonical),
    UNIT_CASE(test_dest_bad))
