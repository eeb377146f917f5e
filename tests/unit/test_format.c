/* Unit tests: field catalogue and format selection (src/field.c, format.c). */
#include "unit.h"

#include "field.h"
#include "format.h"

static void
test_catalogue_columns_in_order(void)
{
	int col;

	for (col = 0; col < FLOW_COL_COUNT; col++)
		CHECK_INT(field_for_column(col)->col, col);
	CHECK(field_lookup("log-status", 10) != NULL);
	CHECK_STR(field_lookup("log-status", 10)->column, "log_status");
	CHECK(field_lookup("tgw-id", 6)->col == -1);
	CHECK(field_lookup("nonsense", 8) == NULL);
	CHECK(field_lookup("srcaddrx", 7) != NULL);	/* prefix of a name */
	CHECK(field_lookup("srcaddr", 6) == NULL);
}

static void
test_parse_aws_syntax(void)
{
	struct flow_format f;
	char *err = NULL;

	CHECK_INT(format_parse(FORMAT_DEFAULT_V2, &f, &err), 0);
	CHECK_INT(f.nfields, 14);
	CHECK_STR(f.def[13]->name, "log-status");
	CHECK_STR(f.spec, "version account-id interface-id srcaddr dstaddr "
	    "srcport dstport protocol packets bytes start end action "
	    "log-status");
	format_free(&f);
	/* Terraform doubles the dollar; tabs and newlines separate too. */
	CHECK_INT(format_parse("$${srcaddr}\t${dstaddr}\n bytes", &f, &err), 0);
	CHECK_INT(f.nfields, 3);
	CHECK_STR(f.def[2]->name, "bytes");
	format_free(&f);
}

static void
test_unknown_fields_are_kept(void)
{
	struct flow_format f;
	char *err = NULL;

	CHECK_INT(format_parse("${srcaddr} ${shiny-new-field}", &f, &err), 0);
	CHECK(f.def[1] == NULL);
	CHECK_STR(f.key[1], "shiny_new_field");
	format_free(&f);
}

static void
test_bad_formats(void)
{
	struct flow_format f;
	char *err = NULL;

	CHECK_INT(format_parse("", &f, &err), -1);
	CHECK(err && strstr(err, "empty"));
	free(err);
	err = NULL;
	CHECK_INT(format_parse("${srcaddr} ${srcaddr}", &f, &err), -1);
	CHECK(err && strstr(err, "twice"));
	free(err);
	err = NULL;
	CHECK_INT(format_parse("${src addr}", &f, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(format_parse("Version", &f, &err), -1);
	CHECK(err && strstr(err, "Version"));
	free(err);
}

static void
test_header_detection(void)
{
	static const char hdr[] = "account-id bytes dstaddr new-thing";
	static const char data[] = "2 123456789010 eni-1 - - - - - - - 1 2 - "
	    "NODATA";
	static const char ids[] = "eni-0abc vpc-0abc";
	struct flow_format f;

	CHECK(format_is_header(hdr, strlen(hdr)));
	CHECK_INT(format_from_header(hdr, strlen(hdr), &f), 1);
	CHECK_INT(f.nfields, 4);
	format_free(&f);
	CHECK(!format_is_header(data, strlen(data)));
	/* Name-shaped values, but no known field name: data, not a header. */
	CHECK(!format_is_header(ids, strlen(ids)));
	CHECK(!format_is_header("", 0));
}

UNIT_MAIN(UNIT_CASE(test_catalogue_columns_in_order),
    UNIT_CASE(test_parse_aws_syntax), UNIT_CASE(test_unknown_fields_are_kept),
    UNIT_CASE(test_bad_formats), UNIT_CASE(test_header_detection))
