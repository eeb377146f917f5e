/* Unit tests: cwlogs: spec parsing, FilterLogEvents pages, the event-id
 * de-duplication state and its checkpoint (src/cwlogs.c); S3 URL and
 * ListObjectsV2 parsing (src/s3.c). */
#include "unit.h"

#include "cwlogs.h"
#include "s3.h"

#define NOW 1800000000000LL

static void
test_spec(void)
{
	struct cwlogs_params p;
	char *err = NULL;

	CHECK_INT(cwlogs_parse_spec("cwlogs:/vpc/flow-logs", NOW, &p, &err), 0);
	CHECK_STR(p.group, "/vpc/flow-logs");
	CHECK(p.streams == NULL);
	CHECK_INT(p.start_ms, NOW - 3600000);
	CHECK_INT(p.lookback_ms, 900000);
	cwlogs_params_free(&p);
	CHECK_INT(cwlogs_parse_spec("cwlogs:/a#b?start=-2h&streams=eni-0abc&"
	    "interval=5s&lookback=30m", NOW, &p, &err), 0);
	CHECK_STR(p.group, "/a#b");
	CHECK_STR(p.streams, "eni-0abc");
	CHECK_INT(p.start_ms, NOW - 7200000);
	CHECK_INT((long long)p.interval, 5);
	CHECK_INT(p.lookback_ms, 1800000);
	cwlogs_params_free(&p);
	CHECK_INT(cwlogs_parse_spec("cwlogs:g?start=2026-11-27T00:00:00Z", NOW,
	    &p, &err), 0);
	CHECK_INT(p.start_ms, 1795737600000LL);
	cwlogs_params_free(&p);
	CHECK_INT(cwlogs_parse_spec("cwlogs:", NOW, &p, &err), -1);
	CHECK(err && strstr(err, "cwlogs:LOG_GROUP"));
	free(err);
	err = NULL;
	CHECK_INT(cwlogs_parse_spec("cwlogs:g?bogus=1", NOW, &p, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(cwlogs_parse_spec("cwlogs:bad group", NOW, &p, &err), -1);
	free(err);
}

static void
test_page(void)
{
	static const char body[] = "{\"events\":[{\"logStreamName\":\"s1\","
	    "\"timestamp\":5,\"message\":\"m1\",\"eventId\":\"1\"},"
	    "{\"timestamp\":6,\"message\":\"no id\"},"
	    "{\"logStreamName\":\"s2\",\"timestamp\":\"7\",\"message\":\"x\","
	    "\"eventId\":\"2\"},{\"timestamp\":8,\"message\":\"m\\u00003\","
	    "\"eventId\":\"3\"}],\"searchedLogStreams\":[],\"nextToken\":\"t\"}";
	struct cwlogs_page page;
	char *err = NULL;

	CHECK_INT(cwlogs_parse_page(body, sizeof body - 1, &page, &err), 0);
	CHECK_INT(page.n, 2);
	CHECK_INT(page.bad, 2);
	CHECK_STR(page.events[0].stream, "s1");
	CHECK_STR(page.events[1].stream, "");
	CHECK_INT(page.events[1].message_len, 3);
	CHECK_STR(page.next_token, "t");
	cwlogs_page_free(&page);
	CHECK_INT(cwlogs_parse_page("[]", 2, &page, &err), -1);
	CHECK(err != NULL);
	free(err);
}

static void
test_seen_window_and_cursor(void)
{
	struct cwlogs_seen s = { 0 }, back = { 0 };
	char *cursor, *err = NULL;

	s.floor_ms = 1000;
	CHECK_INT(cwlogs_seen_add(&s, "a", 1000), 1);
	CHECK_INT(cwlogs_seen_add(&s, "b", 2000), 1);
	CHECK_INT(cwlogs_seen_add(&s, "a", 1000), 0);
	CHECK_INT(s.n, 2);
	cursor = cwlogs_seen_cursor(&s);
	CHECK_INT(cwlogs_seen_load(&back, cursor, &err), 0);
	free(cursor);
	CHECK_INT(back.floor_ms, 1000);
	CHECK_INT(cwlogs_seen_add(&back, "a", 1000), 0);
	CHECK_INT(cwlogs_seen_add(&back, "b", 2000), 0);
	CHECK_INT(cwlogs_seen_add(&back, "c", 3000), 1);
	/* The floor passes "a": it is forgotten, "b" and "c" are kept. */
	cwlogs_seen_advance(&back, 1500);
	CHECK_INT(back.floor_ms, 1500);
	CHECK_INT(back.n, 2);
	CHECK_INT(cwlogs_seen_add(&back, "b", 2000), 0);
	/* A floor never moves back. */
	cwlogs_seen_advance(&back, 10);
	CHECK_INT(back.floor_ms, 1500);
	for (int i = 0; i < 5000; i++) {
		char id[16];

		snprintf(id, sizeof id, "id%d", i);
		CHECK_INT(cwlogs_seen_add(&s, id, 5000 + i), 1);
	}
	CHECK_INT(s.n, 5002);
	cwlogs_seen_free(&s);
	cwlogs_seen_free(&back);
	CHECK_INT(cwlogs_seen_load(&s, "{\"from\":1}", &err), -1);
	free(err);
}

static void
test_s3_url_and_list(void)
{
	static const char xml[] = "<?xml version=\"1.0\"?><ListBucketResult>"
	    "<IsTruncated>true</IsTruncated><Contents><Key>a/x&amp;y=1.log.gz"
	    "</Key><ETag>&quot;abc&quot;</ETag><Size>42</Size></Contents>"
	    "<Contents><Key></Key></Contents><Contents><Key>b/</Key><Size>0"
	    "</Size></Contents><NextContinuationToken>tok&#43;/=</Next"
	    "ContinuationToken></ListBucketResult>";
	struct s3_list l;
	char *bucket, *prefix, *err = NULL;

	CHECK_INT(s3_parse_url("s3://my-bucket/AWSLogs/1/", &bucket, &prefix,
	    &err), 0);
	CHECK_STR(bucket, "my-bucket");
	CHECK_STR(prefix, "AWSLogs/1/");
	free(bucket);
	free(prefix);
	CHECK_INT(s3_parse_url("s3://B/x", &bucket, &prefix, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(s3_parse_list(xml, sizeof xml - 1, &l, &err), 0);
	CHECK_INT(l.n, 2);	/* the empty key is skipped */
	CHECK_STR(l.objects[0].key, "a/x&y=1.log.gz");
	CHECK_STR(l.objects[0].etag, "\"abc\"");
	CHECK_INT(l.objects[0].size, 42);
	CHECK_STR(l.objects[1].key, "b/");
	CHECK_STR(l.objects[1].etag, "");
	CHECK_INT(l.truncated, 1);
	CHECK_STR(l.next_token, "tok+/=");
	s3_list_free(&l);
	CHECK_INT(s3_parse_list("<Error/>", 8, &l, &err), -1);
	free(err);
}

UNIT_MAIN(UNIT_CASE(test_spec), UNIT_CASE(test_page),
    UNIT_CASE(test_seen_window_and_cursor), UNIT_CASE(test_s3_url_and_list))
