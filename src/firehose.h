/*
 * firehose.h - the `firehose:[ADDR:]PORT[/PATH]` source: an Amazon Data
 * Firehose HTTP-endpoint destination.
 *
 * A libmicrohttpd server (loopback unless ADDR says otherwise, TLS with
 * --tls-cert/--tls-key) takes Firehose deliveries: POST PATH with the
 * access key in X-Amz-Firehose-Access-Key (compared in constant time with
 * the one from --firehose-access-key-file or $FLOWLENS_FIREHOSE_ACCESS_KEY),
 * a JSON body of base64 records, gzip or not (firehose_body.h).  Records go
 * through the usual ingest path (CloudWatch subscription payloads, vended
 * {"message": ...} records, bare lines).
 *
 * The contract with Firehose (DESIGN.md rule 1): a delivery is answered 200
 * only once every one of its records, and its requestId, committed in one
 * transaction; a delivery whose requestId is already committed is answered
 * 200 without storing anything again.  Otherwise: 401 bad or missing key,
 * 400 malformed body (errorMessage says what and where), 413 too large,
 * 503 queue full, store failure or shutting down (Firehose retries),
 * 404/405 wrong path/method.  On Ctrl-C/SIGTERM the server stops
 * listening, refuses what it has not started to store, and answers what
 * the writer commits before it stops.
 */
#ifndef FLOWLENS_FIREHOSE_H
#define FLOWLENS_FIREHOSE_H

#include "firehose_config.h"

struct ingest;

/*
 * source_kind.run: serve deliveries until the ingest stops.  Returns 0,
 * or -1 after ingest_fail() (no access key, cannot listen, bad TLS files,
 * store errors).
 */
int firehose_run(struct ingest *ing, const char *spec);

#endif
