/*
 * s3put.c - test driver for s3_put_file(): upload FILE to s3://BUCKET/KEY
 * with the credentials, region and endpoint aws.h finds, print the ETag.
 *
 *   s3put FILE s3://BUCKET/KEY      exit 0 uploaded, 1 failed (message)
 */
#include <stdio.h>
#include <stdlib.h>

#include "aws.h"
#include "s3.h"

int
main(int argc, char **argv)
{
	struct aws_options opt = { NULL, NULL, getenv("S3PUT_ENDPOINT") };
	struct aws_client *c;
	struct aws *aws;
	char *bucket, *key, *etag = NULL, *err = NULL;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: s3put FILE s3://BUCKET/KEY\n");
		return 2;
	}
	if (s3_parse_url(argv[2], &bucket, &key, &err) < 0 ||
	    (aws = aws_shared(&opt, &err)) == NULL) {
		fprintf(stderr, "s3put: %s\n", err);
		return 1;
	}
	c = aws_client_new(aws);
	rc = s3_put_file(c, NULL, bucket, key, argv[1], &etag, &err);
	if (rc == 0)
		printf("%s\n", etag);
	else
		fprintf(stderr, "s3put: %s\n", err);
	aws_client_free(c);
	free(etag);
	free(err);
	free(bucket);
	free(key);
	return rc == 0 ? 0 : 1;
}
