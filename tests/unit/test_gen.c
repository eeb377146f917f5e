/*
 * test_gen.c - unit tests for the synthetic flow log generator (gen.c).
 *
 * Lines are checked the way a consumer would see them: split on single
 * spaces, with counts and shares measured over many lines.  Thresholds
 * are loose enough for any seed but catch a broken traffic model.
 */
#include "gen.h"
#include "unit.h"

#define V2_FIELDS	14
#define CUSTOM_FIELDS	29
#define FIELDS_MAX	40
#define START		1700000000
#define HOURS		24
#define MANY		100000

/* v2 columns */
enum {
	V2_VERSION, V2_ACCOUNT, V2_ENI, V2_SRCADDR, V2_DSTADDR, V2_SRCPORT,
	V2_DSTPORT, V2_PROTOCOL, V2_PACKETS, V2_BYTES, V2_START, V2_END,
	V2_ACTION, V2_STATUS
};

/* custom (v5) columns */
enum {
	C_VERSION, C_SRCADDR, C_DSTADDR, C_SRCPORT, C_DSTPORT, C_PROTOCOL,
	C_START, C_END, C_TYPE, C_PACKETS, C_BYTES, C_ACCOUNT, C_VPC,
	C_SUBNET, C_INSTANCE, C_ENI, C_REGION, C_AZ, C_SUBLOCATION_TYPE,
	C_SUBLOCATION_ID, C_ACTION, C_TCP_FLAGS, C_PKT_SRCADDR, C_PKT_DSTADDR,
	C_PKT_SRC_SERVICE, C_PKT_DST_SERVICE, C_TRAFFIC_PATH, C_DIRECTION,
	C_STATUS
};

/* One generated line, split in place into its fields. */
struct record {
	char line[GEN_LINE_MAX];
	size_t len;			/* as returned by gen_line() */
	char *field[FIELDS_MAX];
	int count;			/* fields, or -1 if malformed */
};

static struct gen *
new_gen(uint64_t seed, int custom, uint64_t rows)
{
	struct gen_options opt = {
		.seed = seed, .start = START, .hours = HOURS, .rows = rows,
		.custom = custom,
	};

	return gen_new(&opt);
}

/*
 * Generates the next line into r and splits it.  A line is malformed
 * unless it ends in its only '\n', its length is what gen_line()
 * returned, and no field is empty (no double or trailing spaces).
 */
static int
next_record(struct gen *g, int64_t live_now, struct record *r)
{
	char *p = r->line, *space;

	r->count = -1;
	r->len = gen_line(g, live_now, r->line, sizeof r->line);
	if (r->len == 0 || r->len != strlen(r->line) ||
	    r->line[r->len - 1] != '\n')
		return -1;
	r->line[r->len - 1] = '\0';
	if (strchr(r->line, '\n') != NULL)
		return -1;
	r->count = 0;
	for (;;) {
		space = strchr(p, ' ');
		if (*p == '\0' || space == p || r->count == FIELDS_MAX) {
			r->count = -1;
			return -1;
		}
		r->field[r->count++] = p;
		if (space == NULL)
			return r->count;
		*space = '\0';
		p = space + 1;
	}
}

/* Parses a plain decimal (no sign, no spaces); 0 if s is not one. */
static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 19)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 1;
}

#define FNV_OFFSET	0xcbf29ce484222325ULL

/* FNV-1a: digests of output, and keys without a hash table. */
static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t
hash_string(const char *s)
{
	return hash_bytes(FNV_OFFSET, s, strlen(s));
}

static int
is_dash(const char *s)
{
	return strcmp(s, "-") == 0;
}

/* prefix followed by exactly n lowercase hex digits. */
static int
is_resource_id(const char *s, const char *prefix, size_t n)
{
	size_t plen = strlen(prefix);

	if (strncmp(s, prefix, plen) != 0 || strlen(s) != plen + n)
		return 0;
	for (s += plen; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int
is_port(const char *s)
{
	uint64_t v;

	return parse_u64(s, &v) && v <= 65535;
}

/* An address we generate: dotted quad, or compressed 2001:db8:: IPv6. */
static int
is_good_address(const char *s)
{
	unsigned a, b, c, d;
	char tail;

	if (strchr(s, ':') != NULL)
		return strncmp(s, "2001:db8:", 9) == 0 &&
		    strstr(s, "::") != NULL && strlen(s) <= 39;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4)
		return 0;
	return a <= 255 && b <= 255 && c <= 255 && d <= 255 &&
	    !(a == 169 && b == 254);
}

/* ---- determinism ---- */

static void
test_same_seed_same_lines(void)
{
	char a[GEN_LINE_MAX], b[GEN_LINE_MAX];
	int custom, i, differing;

	for (custom = 0; custom <= 1; custom++) {
		struct gen *g1 = new_gen(42, custom, 10000);
		struct gen *g2 = new_gen(42, custom, 10000);

		CHECK(g1 != NULL && g2 != NULL);
		differing = 0;
		for (i = 0; i < 10000; i++) {
			size_t n1 = gen_line(g1, 0, a, sizeof a);
			size_t n2 = gen_line(g2, 0, b, sizeof b);

			if (n1 != n2 || memcmp(a, b, n1) != 0)
				differing++;
		}
		CHECK_INT(differing, 0);
		gen_free(g1);
		gen_free(g2);
	}
}

static void
test_other_seed_differs(void)
{
	char a[GEN_LINE_MAX], b[GEN_LINE_MAX];
	struct gen *g1 = new_gen(42, 0, 10000);
	struct gen *g2 = new_gen(43, 0, 10000);
	int i, differing = 0;

	for (i = 0; i < 10000; i++) {
		size_t n1 = gen_line(g1, 0, a, sizeof a);
		size_t n2 = gen_line(g2, 0, b, sizeof b);

		if (n1 != n2 || memcmp(a, b, n1) != 0)
			differing++;
	}
	/* Not just one line: the whole world differs. */
	CHECK(differing > 9000);
	gen_free(g1);
	gen_free(g2);
}

/*
 * Pins the exact output, so a platform (endianness, compiler, x87 maths)
 * or a change that alters it is noticed.  A deliberate change to the
 * traffic model must update these digests.
 */
static void
test_golden_digest(void)
{
	static const uint64_t want[2] = {
		0xd6a02744a20024a9ULL, 0x9130df0709cbf1ccULL,
	};
	struct gen_options opt = {
		.seed = 2024, .start = START, .hours = 1, .rows = 1000,
	};
	char buf[GEN_LINE_MAX];
	int i;

	for (opt.custom = 0; opt.custom <= 1; opt.custom++) {
		struct gen *g = gen_new(&opt);
		uint64_t h = FNV_OFFSET;

		for (i = 0; i < 1000; i++)
			h = hash_bytes(h, buf, gen_line(g, 0, buf, sizeof buf));
		CHECK(h == want[opt.custom]);
		gen_free(g);
	}
}

/* Both formats describe the same records. */
static void
test_v2_is_projection_of_custom(void)
{
	static const int from_custom[V2_FIELDS] = {
		C_VERSION, C_ACCOUNT, C_ENI, C_SRCADDR, C_DSTADDR, C_SRCPORT,
		C_DSTPORT, C_PROTOCOL, C_PACKETS, C_BYTES, C_START, C_END,
		C_ACTION, C_STATUS
	};
	struct gen *v2 = new_gen(5, 0, 10000), *custom = new_gen(5, 1, 10000);
	struct record rv, rc;
	int i, k, mismatches = 0;

	for (i = 0; i < 10000; i++) {
		if (next_record(v2, 0, &rv) != V2_FIELDS ||
		    next_record(custom, 0, &rc) != CUSTOM_FIELDS) {
			mismatches++;
			continue;
		}
		for (k = V2_ACCOUNT; k < V2_FIELDS; k++)
			if (strcmp(rv.field[k], rc.field[from_custom[k]]) != 0)
				mismatches++;
	}
	CHECK_INT(mismatches, 0);
	gen_free(v2);
	gen_free(custom);
}

/* ---- header, format string, buffer contract ---- */

static void
test_header(void)
{
	static const char v2[] = "version account-id interface-id srcaddr "
	    "dstaddr srcport dstport protocol packets bytes start end action "
	    "log-status\n";
	static const char custom[] = "version srcaddr dstaddr srcport "
	    "dstport protocol start end type packets bytes account-id vpc-id "
	    "subnet-id instance-id interface-id region az-id sublocation-type "
	    "sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr "
	    "pkt-src-aws-service pkt-dst-aws-service traffic-path "
	    "flow-direction log-status\n";
	struct gen *g = new_gen(1, 0, 10), *gc = new_gen(1, 1, 10);
	char buf[1024];

	CHECK_INT(gen_header(g, buf, sizeof buf), strlen(v2));
	CHECK_STR(buf, v2);
	CHECK_INT(gen_header(gc, buf, sizeof buf), strlen(custom));
	CHECK_STR(buf, custom);
	/* Room for the line and its NUL, not one byte less. */
	CHECK_INT(gen_header(g, buf, strlen(v2) + 1), strlen(v2));
	CHECK_INT(gen_header(g, buf, strlen(v2)), 0);
	CHECK_INT(gen_header(g, buf, 0), 0);
	gen_free(g);
	gen_free(gc);
}

/* "${a} ${b}" with "${" and "}" removed must be the header "a b". */
static void
check_format_matches_header(int custom)
{
	struct gen *g = new_gen(1, custom, 10);
	const char *format = gen_format_string(custom);
	char header[1024], stripped[1024];
	size_t n = 0, len = gen_header(g, header, sizeof header);
	const char *p;

	CHECK(len > 0);
	header[len - 1] = '\0';
	for (p = format; *p != '\0' && n < sizeof stripped - 1; p++) {
		if (p[0] == '$' && p[1] == '{')
			p++;
		else if (*p != '}')
			stripped[n++] = *p;
	}
	stripped[n] = '\0';
	CHECK_STR(stripped, header);
	CHECK(strncmp(format, "${version} ", 11) == 0);
	gen_free(g);
}

static void
test_format_strings(void)
{
	check_format_matches_header(0);
	check_format_matches_header(1);
}

static void
test_small_buffer_refused(void)
{
	struct gen *g = new_gen(1, 1, 10);
	char buf[GEN_LINE_MAX];

	CHECK_INT(gen_line(g, 0, buf, GEN_LINE_MAX - 1), 0);
	CHECK_INT(gen_line(g, 0, buf, 0), 0);
	CHECK(gen_line(g, 0, buf, GEN_LINE_MAX) > 0);
	gen_free(g);
	gen_free(NULL);
}

/* ---- line shape ---- */

/* Checks one v2 line; returns the number of problems. */
static int
v2_line_problems(const struct record *r)
{
	char *const *f = r->field;
	uint64_t packets = 0, bytes = 0, start = 0, end = 0;
	int bad = 0, k;

	if (r->count != V2_FIELDS)
		return 1;
	bad += strcmp(f[V2_VERSION], "2") != 0;
	bad += strlen(f[V2_ACCOUNT]) != 12 || f[V2_ACCOUNT][0] == '0' ||
	    strspn(f[V2_ACCOUNT], "0123456789") != 12;
	bad += !is_resource_id(f[V2_ENI], "eni-", 17);
	bad += !parse_u64(f[V2_START], &start) ||
	    !parse_u64(f[V2_END], &end) || end < start;
	if (strcmp(f[V2_STATUS], "OK") != 0) {
		bad += strcmp(f[V2_STATUS], "NODATA") != 0 &&
		    strcmp(f[V2_STATUS], "SKIPDATA") != 0;
		for (k = V2_SRCADDR; k <= V2_BYTES; k++)
			bad += !is_dash(f[k]);
		return bad + !is_dash(f[V2_ACTION]);
	}
	bad += !is_good_address(f[V2_SRCADDR]);
	bad += !is_good_address(f[V2_DSTADDR]);
	bad += !is_port(f[V2_SRCPORT]) || !is_port(f[V2_DSTPORT]);
	bad += !parse_u64(f[V2_PACKETS], &packets) || packets < 1 ||
	    packets > 1000000;
	/* Every packet is a plausible 40..1500 bytes. */
	bad += !parse_u64(f[V2_BYTES], &bytes) || bytes < 40 * packets ||
	    bytes > 1500 * packets;
	bad += strcmp(f[V2_ACTION], "ACCEPT") != 0 &&
	    strcmp(f[V2_ACTION], "REJECT") != 0;
	return bad;
}

static void
test_v2_lines_well_formed(void)
{
	struct gen *g = new_gen(11, 0, MANY);
	struct record r;
	int i, bad = 0;

	for (i = 0; i < MANY; i++) {
		next_record(g, 0, &r);
		bad += v2_line_problems(&r);
	}
	CHECK_INT(bad, 0);
	gen_free(g);
}

static int
is_one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* The custom-only columns of an OK record. */
static int
custom_ok_problems(char *const *f)
{
	static const char *const flags[] = {
		"0", "1", "2", "3", "4", "18", "19", NULL
	};
	static const char *const services[] = {
		"-", "S3", "AMAZON", "EC2", NULL
	};
	static const char *const paths[] = {
		"1", "2", "3", "4", "5", "6", "7", "8", NULL
	};
	int bad = 0, ipv6 = strchr(f[C_SRCADDR], ':') != NULL;

	bad += strcmp(f[C_TYPE], ipv6 ? "IPv6" : "IPv4") != 0;
	bad += (strchr(f[C_DSTADDR], ':') != NULL) != ipv6;
	bad += !is_good_address(f[C_PKT_SRCADDR]);
	bad += !is_good_address(f[C_PKT_DSTADDR]);
	if (strcmp(f[C_PROTOCOL], "6") == 0)
		bad += !is_one_of(f[C_TCP_FLAGS], flags);
	else
		bad += strcmp(f[C_TCP_FLAGS], "0") != 0;
	bad += !is_one_of(f[C_PKT_SRC_SERVICE], services);
	bad += !is_one_of(f[C_PKT_DST_SERVICE], services);
	if (strcmp(f[C_DIRECTION], "ingress") == 0)
		bad += !is_dash(f[C_TRAFFIC_PATH]);
	else
		bad += strcmp(f[C_DIRECTION], "egress") != 0 ||
		    !is_one_of(f[C_TRAFFIC_PATH], paths);
	return bad;
}

/* Checks one custom line; returns the number of problems. */
static int
custom_line_problems(const struct record *r)
{
	char *const *f = r->field;
	int bad = 0, k;

	if (r->count != CUSTOM_FIELDS)
		return 1;
	bad += strcmp(f[C_VERSION], "5") != 0;
	bad += !is_resource_id(f[C_VPC], "vpc-", 17);
	bad += !is_resource_id(f[C_SUBNET], "subnet-", 17);
	bad += !is_resource_id(f[C_ENI], "eni-", 17);
	bad += !is_dash(f[C_INSTANCE]) &&
	    !is_resource_id(f[C_INSTANCE], "i-", 17);
	bad += !(strcmp(f[C_REGION], "us-east-1") == 0 &&
	    strncmp(f[C_AZ], "use1-az", 7) == 0) &&
	    !(strcmp(f[C_REGION], "eu-west-1") == 0 &&
	    strncmp(f[C_AZ], "euw1-az", 7) == 0);
	bad += !is_dash(f[C_SUBLOCATION_TYPE]) ||
	    !is_dash(f[C_SUBLOCATION_ID]);
	if (strcmp(f[C_STATUS], "OK") == 0)
		return bad + custom_ok_problems(f);
	for (k = C_SRCADDR; k <= C_PROTOCOL; k++)
		bad += !is_dash(f[k]);
	for (k = C_TYPE; k <= C_BYTES; k++)
		bad += !is_dash(f[k]);
	for (k = C_ACTION; k <= C_DIRECTION; k++)
		bad += !is_dash(f[k]);
	return bad;
}

static void
test_custom_lines_well_formed(void)
{
	struct gen *g = new_gen(12, 1, MANY);
	struct record r;
	int i, bad = 0, ok = 0, same_pkt_addresses = 0, aws_services = 0;

	for (i = 0; i < MANY; i++) {
		next_record(g, 0, &r);
		bad += custom_line_problems(&r);
		if (r.count != CUSTOM_FIELDS ||
		    strcmp(r.field[C_STATUS], "OK") != 0)
			continue;
		ok++;
		same_pkt_addresses +=
		    strcmp(r.field[C_SRCADDR], r.field[C_PKT_SRCADDR]) == 0 &&
		    strcmp(r.field[C_DSTADDR], r.field[C_PKT_DSTADDR]) == 0;
		aws_services += !is_dash(r.field[C_PKT_SRC_SERVICE]) ||
		    !is_dash(r.field[C_PKT_DST_SERVICE]);
	}
	CHECK_INT(bad, 0);
	/* pkt-* addresses differ only on NAT gateway ENIs. */
	CHECK(same_pkt_addresses > ok * 9 / 10 && same_pkt_addresses < ok);
	/* Mostly "-", sometimes S3/AMAZON/EC2. */
	CHECK(aws_services > 0 && aws_services < ok / 10);
	gen_free(g);
}

/* Ports stay within 0..65535, and ICMP has none (0 0). */
static void
test_ports_in_range(void)
{
	struct gen *g = new_gen(13, 0, MANY);
	struct record r;
	int i, bad = 0;

	for (i = 0; i < MANY; i++) {
		if (next_record(g, 0, &r) != V2_FIELDS) {
			bad++;
			continue;
		}
		if (strcmp(r.field[V2_STATUS], "OK") != 0)
			continue;
		bad += !is_port(r.field[V2_SRCPORT]) ||
		    !is_port(r.field[V2_DSTPORT]);
		if (strcmp(r.field[V2_PROTOCOL], "1") == 0)
			bad += strcmp(r.field[V2_SRCPORT], "0") != 0 ||
			    strcmp(r.field[V2_DSTPORT], "0") != 0;
	}
	CHECK_INT(bad, 0);
	gen_free(g);
}

/* ---- traffic mix ---- */

/* What a 100 000 line v2 sample contains. */
struct mix {
	int ok, reject, tcp, udp, icmp, other, ipv6, nodata, skipdata;
	uint64_t max_packets, max_rejected_packets;
};

static void
count_mix(struct mix *m, char *const *f)
{
	uint64_t packets = 0;

	if (strcmp(f[V2_STATUS], "NODATA") == 0)
		m->nodata++;
	if (strcmp(f[V2_STATUS], "SKIPDATA") == 0)
		m->skipdata++;
	if (strcmp(f[V2_STATUS], "OK") != 0)
		return;
	m->ok++;
	m->tcp += strcmp(f[V2_PROTOCOL], "6") == 0;
	m->udp += strcmp(f[V2_PROTOCOL], "17") == 0;
	m->icmp += strcmp(f[V2_PROTOCOL], "1") == 0;
	m->other += is_one_of(f[V2_PROTOCOL],
	    (const char *const[]){ "47", "50", "58", NULL });
	m->ipv6 += strchr(f[V2_SRCADDR], ':') != NULL;
	parse_u64(f[V2_PACKETS], &packets);
	if (packets > m->max_packets)
		m->max_packets = packets;
	if (strcmp(f[V2_ACTION], "REJECT") != 0)
		return;
	m->reject++;
	if (packets > m->max_rejected_packets)
		m->max_rejected_packets = packets;
}

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Most distinct dstports any single srcaddr hit; keys: hash << 16 | port. */
static int
widest_scan(uint64_t *keys, size_t n)
{
	size_t i;
	int distinct = 0, widest = 0;

	qsort(keys, n, sizeof keys[0], compare_u64);
	for (i = 0; i < n; i++) {
		if (i > 0 && keys[i] == keys[i - 1])
			continue;
		if (i == 0 || keys[i] >> 16 != keys[i - 1] >> 16)
			distinct = 0;
		if (++distinct > widest)
			widest = distinct;
	}
	return widest;
}

static int
is_private(const char *address)
{
	return strncmp(address, "10.", 3) == 0 ||
	    strncmp(address, "172.31.", 7) == 0;
}

static void
test_traffic_mix(void)
{
	/* Rejected (srcaddr, dstport) pairs, external and VPC sources. */
	static uint64_t external[MANY], internal[MANY];
	struct gen *g = new_gen(14, 0, MANY);
	struct mix m = { 0 };
	struct record r;
	size_t n_external = 0, n_internal = 0;
	uint64_t key;
	int i;

	for (i = 0; i < MANY; i++) {
		if (next_record(g, 0, &r) != V2_FIELDS)
			continue;
		count_mix(&m, r.field);
		if (strcmp(r.field[V2_ACTION], "REJECT") != 0)
			continue;
		key = hash_string(r.field[V2_SRCADDR]) << 16 |
		    (uint64_t)atoi(r.field[V2_DSTPORT]);
		if (is_private(r.field[V2_SRCADDR]))
			internal[n_internal++] = key;
		else
			external[n_external++] = key;
	}
	CHECK(m.ok > MANY * 95 / 100);
	CHECK(m.reject > m.ok / 10 && m.reject < m.ok / 5);
	CHECK(m.tcp > m.ok * 70 / 100 && m.tcp < m.ok * 90 / 100);
	CHECK(m.udp > m.ok * 10 / 100 && m.udp < m.ok * 20 / 100);
	CHECK(m.icmp > m.ok * 2 / 100 && m.icmp < m.ok * 6 / 100);
	CHECK(m.other > 0 && m.other < m.ok * 2 / 100);
	CHECK(m.ipv6 > m.ok / 100 && m.ipv6 < m.ok * 5 / 100);
	CHECK(m.nodata > 0 && m.skipdata > 0 && m.skipdata < m.nodata);
	/* Heavy tail: elephants exist, rejected flows stay tiny. */
	CHECK(m.max_packets >= 1000 && m.max_packets <= 1000000);
	CHECK(m.max_rejected_packets >= 1 && m.max_rejected_packets <= 3);
	/* Port scanners stand out; busy instances do not look like one. */
	CHECK(widest_scan(external, n_external) >= 50);
	CHECK(widest_scan(internal, n_internal) < 20);
	gen_free(g);
}

/*
 * An ENI's own side of a record (dstaddr on ingress, srcaddr on egress)
 * is one of its two addresses, IPv4 and IPv6: directions are consistent.
 */
struct eni_seen {
	char id[32];
	char address[2][48];
};

static int
note_local_address(struct eni_seen *seen, int *n_seen, const char *eni,
    const char *address)
{
	int i, family = strchr(address, ':') != NULL;
	struct eni_seen *e = NULL;

	for (i = 0; i < *n_seen && e == NULL; i++)
		if (strcmp(seen[i].id, eni) == 0)
			e = &seen[i];
	if (e == NULL) {
		if (*n_seen == 512)
			return 1;
		e = &seen[(*n_seen)++];
		snprintf(e->id, sizeof e->id, "%s", eni);
	}
	if (e->address[family][0] == '\0')
		snprintf(e->address[family], sizeof e->address[family], "%s",
		    address);
	return strcmp(e->address[family], address) != 0;
}

static void
test_directions_consistent(void)
{
	static struct eni_seen seen[512];
	struct gen *g = new_gen(15, 1, MANY);
	struct record r;
	int i, n_seen = 0, bad = 0;

	for (i = 0; i < MANY; i++) {
		if (next_record(g, 0, &r) != CUSTOM_FIELDS ||
		    strcmp(r.field[C_STATUS], "OK") != 0)
			continue;
		bad += note_local_address(seen, &n_seen, r.field[C_ENI],
		    strcmp(r.field[C_DIRECTION], "ingress") == 0 ?
		    r.field[C_DSTADDR] : r.field[C_SRCADDR]);
	}
	CHECK_INT(bad, 0);
	/* "~200 ENIs" */
	CHECK(n_seen >= 150 && n_seen <= 220);
	gen_free(g);
}

/* ---- time ---- */

/* File mode: starts follow the schedule within 60 s, inside the window. */
static void
check_schedule(uint64_t rows, double hours, int64_t window)
{
	struct gen_options opt = {
		.seed = 16, .start = START, .hours = hours, .rows = rows,
	};
	struct gen *g = gen_new(&opt);
	struct record r;
	uint64_t start, end, latest = 0;
	int i, bad = 0;

	for (i = 0; i < MANY; i++) {
		if (next_record(g, 0, &r) != V2_FIELDS ||
		    !parse_u64(r.field[V2_START], &start) ||
		    !parse_u64(r.field[V2_END], &end)) {
			bad++;
			continue;
		}
		bad += start + 60 < latest;
		bad += start < START ||
		    start > (uint64_t)(START + window + 60);
		bad += end < start + 1 || end > start + 60;
		if (start > latest)
			latest = start;
	}
	CHECK_INT(bad, 0);
	/* Spread over the whole window, not bunched at its start. */
	CHECK(latest + 3600 >= (uint64_t)(START + window) || window < 3600);
	gen_free(g);
}

static void
test_file_mode_times(void)
{
	check_schedule(MANY, HOURS, HOURS * 3600);
	check_schedule(MANY, 0.5, 1800);
	check_schedule(1000, HOURS, HOURS * 3600 * 100);	/* past rows */
	check_schedule(0, HOURS, 0);		/* rows unknown: at start */
	check_schedule(MANY, 0, 0);
}

static void
test_live_mode_times(void)
{
	const int64_t now = 1750000000;
	struct gen *g = new_gen(17, 1, MANY);
	struct record r;
	uint64_t start, end;
	int i, bad = 0;

	for (i = 0; i < 10000; i++) {
		if (next_record(g, now + i / 100, &r) != CUSTOM_FIELDS ||
		    !parse_u64(r.field[C_START], &start) ||
		    !parse_u64(r.field[C_END], &end)) {
			bad++;
			continue;
		}
		bad += (int64_t)start < now + i / 100 - 60;
		bad += end < start || (int64_t)end > now + i / 100;
	}
	CHECK_INT(bad, 0);
	gen_free(g);
}

UNIT_MAIN(
	UNIT_CASE(test_same_seed_same_lines),
	UNIT_CASE(test_other_seed_differs),
	UNIT_CASE(test_golden_digest),
	UNIT_CASE(test_v2_is_projection_of_custom),
	UNIT_CASE(test_header),
	UNIT_CASE(test_format_strings),
	UNIT_CASE(test_small_buffer_refused),
	UNIT_CASE(test_v2_lines_well_formed),
	UNIT_CASE(test_custom_lines_well_formed),
	UNIT_CASE(test_ports_in_range),
	UNIT_CASE(test_traffic_mix),
	UNIT_CASE(test_directions_consistent),
	UNIT_CASE(test_file_mode_times),
	UNIT_CASE(test_live_mode_times)
)
