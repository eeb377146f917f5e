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

#include <netinet/in.h>

struct ingest;

/* Environment variable holding the access key (see --help). */
#define FIREHOSE_KEY_ENV "FLOWLENS_FIREHOSE_ACCESS_KEY"

/* Where a firehose: source listens. */
struct firehose_addr {
	int                     family;	/* AF_INET or AF_INET6 */
	struct sockaddr_in      in4;
	struct sockaddr_in6     in6;
	unsigned                port;	/* 0: any free port */
	char                    host[64];	/* numeric address, for messages */
	char                    path[512];	/* request path, "/" by default */
};

/*
 * Parse "firehose:[ADDR:]PORT[/PATH]": ADDR is an IPv4 address, [IPv6] or
 * localhost (default 127.0.0.1); PORT 0-65535 (0: any free port, printed
 * at start).  Returns 0, or -1 with *err saying what is wrong.
 */
int firehose_parse_spec(const char *spec, struct firehose_addr *out,
    char **err);

/* source_kind.check for firehose: (the spec syntax). */
int firehose_check(const char *spec, char **err);

/*
 * source_kind.run: serve deliveries until the ingest stops.  Returns 0,
 * or -1 after ingest_fail() (no access key, cannot listen, bad TLS files,
 * store errors).
 */
int firehose_run(struct ingest *ing, const char *spec);

#endif
