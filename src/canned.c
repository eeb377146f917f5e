/*
 * canned.c - see canned.h.
 */
#include "canned.h"

#include <pthread.h>
#include <string.h>

#include "util.h"

/* Display order: the AWS samples and solution metrics first. */
static const char *const preferred[] = {
	"rejected-by-protocol", "top-rejected-sources", "top-https-servers",
	"rejected-tcp-per-15m", "rejected-by-protocol-per-15m",
};

static struct canned_query *queries;
static size_t nqueries;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static char *
title_of(const char *text, const char *name)
{
	const char *p = strstr(text, "-- title:");
	size_t n;

	if (p == NULL)
		return xstrdup(name);
	p += strlen("-- title:");
	while (*p == ' ')
		p++;
	n = strcspn(p, "\r\n");
	return xstrndup(p, n);
}

static int
rank(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(preferred); i++)
		if (strcmp(preferred[i], name) == 0)
			return (int)i;
	return (int)ARRAY_LEN(preferred);
}

static void
load(void)
{
	size_t i, j;

	nqueries = canned_source_count;
	queries = xcalloc(nqueries, sizeof *queries);
	for (i = 0; i < nqueries; i++) {
		queries[i].name = canned_sources[i].name;
		queries[i].sql = canned_sources[i].text;
		queries[i].title = title_of(queries[i].sql, queries[i].name);
	}
	/* insertion sort by (rank, name): a dozen entries */
	for (i = 1; i < nqueries; i++) {
		struct canned_query q = queries[i];

		for (j = i; j > 0; j--) {
			int a = rank(queries[j - 1].name), b = rank(q.name);

			if (a < b || (a == b &&
			    strcmp(queries[j - 1].name, q.name) <= 0))
				break;
			queries[j] = queries[j - 1];
		}
		queries[j] = q;
	}
}

size_t
canned_count(void)
{
	pthread_once(&once, load);
	return nqueries;
}

const struct canned_query *
canned_at(size_t i)
{
	pthread_once(&once, load);
	return i < nqueries ? &queries[i] : NULL;
}

const struct canned_query *
canned_find(const char *name)
{
	size_t i;

	pthread_once(&once, load);
	for (i = 0; i < nqueries; i++)
		if (strcmp(queries[i].name, name) == 0)
			return &queries[i];
	return NULL;
}
