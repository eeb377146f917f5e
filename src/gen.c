/*
 * gen.c - deterministic synthetic VPC Flow Logs (see gen.h).
 *
 * Layout: PRNG, text formatting, the world (accounts, VPCs, subnets, ENIs,
 * attackers) built once by gen_new(), the traffic models that fill a
 * struct flow, and the two line writers.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#define V2_HEADER							\
	"version account-id interface-id srcaddr dstaddr srcport "	\
	"dstport protocol packets bytes start end action log-status"
#define V2_FORMAT							\
	"${version} ${account-id} ${interface-id} ${srcaddr} "		\
	"${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "	\
	"${bytes} ${start} ${end} ${action} ${log-status}"
#define CUSTOM_HEADER							\
	"version srcaddr dstaddr srcport dstport protocol start end "	\
	"type packets bytes account-id vpc-id subnet-id instance-id "	\
	"interface-id region az-id sublocation-type sublocation-id "	\
	"action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service "	\
	"pkt-dst-aws-service traffic-path flow-direction log-status"
#define CUSTOM_FORMAT							\
	"${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "	\
	"${protocol} ${start} ${end} ${type} ${packets} ${bytes} "	\
	"${account-id} ${vpc-id} ${subnet-id} ${instance-id} "		\
	"${interface-id} ${region} ${az-id} ${sublocation-type} "	\
	"${sublocation-id} ${action} ${tcp-flags} ${pkt-srcaddr} "	\
	"${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} "	\
	"${traffic-path} ${flow-direction} ${log-status}"

/* World size limits; the world lives inside struct gen, no extra mallocs. */
#define ACCOUNT_MAX		3
#define VPC_PER_ACCOUNT_MAX	2
#define VPC_MAX			(ACCOUNT_MAX * VPC_PER_ACCOUNT_MAX)
#define SUBNET_PER_VPC_MAX	4
#define SUBNET_MAX		(VPC_MAX * SUBNET_PER_VPC_MAX)
#define ENI_MIN			180
#define ENI_MAX			220
#define SCANNER_MAX		5
#define PROBER_COUNT		16

/* Cap on the file-mode window, so start + span cannot overflow. */
#define SPAN_SECONDS_MAX	1e15

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_GRE	47
#define PROTO_ESP	50
#define PROTO_ICMPV6	58

#define TCP_FIN		1
#define TCP_SYN		2
#define TCP_RST		4
#define TCP_SYN_ACK	18

/*
 * ---- PRNG: xoshiro256** seeded through splitmix64 ----
 *
 * Determinism rule: never make two PRNG calls in one expression or one
 * argument list.  C leaves their order unspecified and gcc and clang do
 * pick different orders, which would make the output compiler-dependent.
 */

struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 expands any seed (0 included) into a non-zero state. */
static void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/*
 * Uniform-enough integer in [0, n) by multiply-shift: no division on the
 * hot path, and the bias (< n / 2^32) does not matter for synthetic data.
 */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* Integer in [lo, hi], hi - lo < 2^32 - 1. */
static inline uint32_t
rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* True with probability per_mille / 1000. */
static inline int
rng_chance(struct rng *r, uint32_t per_mille)
{
	return rng_below(r, 1000) < per_mille;
}

/*
 * Packets of an accepted flow: each level doubles the size with
 * probability 115/256, a Pareto-like tail (alpha ~1.15) that yields many
 * small flows and a few elephants, capped at 10^6 packets.
 */
static uint64_t
heavy_tailed_packets(struct rng *r, unsigned min_level)
{
	uint64_t bits = rng_next(r), low;
	unsigned level = min_level, draws = 0;

	while (level < 20 && (bits & 0xff) < 115) {
		level++;
		bits >>= 8;
		if (++draws % 8 == 0)
			bits = rng_next(r);
	}
	low = (uint64_t)1 << level;
	low += rng_below(r, (uint32_t)low);
	return low > 1000000 ? 1000000 : low;
}

/* ---- text: hand-rolled formatting, no snprintf on the hot path ---- */

/*
 * A short token (an address, mostly) formatted once and copied often.
 * Copies always move the whole array and then advance by len: a fixed
 * size memcpy compiles to a few vector moves, a variable one to a call.
 */
struct text {
	char s[40];		/* longest: a full IPv6 address, 39 chars */
	uint8_t len;
};

static inline char *
put_bytes(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT_LITERAL(p, lit)	put_bytes((p), (lit), sizeof(lit) - 1)

/*
 * Copies all of a fixed-size array but advances by len only.  The
 * garbage past the token is overwritten by what follows, or lies beyond
 * the line: lines stay far below GEN_LINE_MAX even with this slack.
 */
#define PUT_ARRAY(p, array, len)					\
	(memcpy((p), (array), sizeof(array)), (p) + (len))

static inline char *
put_text(char *p, const struct text *t)
{
	return PUT_ARRAY(p, t->s, t->len);
}

static inline char *
put_cstr(char *p, const char *s)
{
	return put_bytes(p, s, strlen(s));
}

/* A separating space, then s. */
static inline char *
put_spaced(char *p, const char *s)
{
	*p++ = ' ';
	return put_cstr(p, s);
}

/* Two digits per division: numbers are most of a line. */
static char *
put_u64(char *p, uint64_t v)
{
	static const char pairs[] =
	    "000102030405060708091011121314151617181920212223242526272829"
	    "303132333435363738394041424344454647484950515253545556575859"
	    "606162636465666768697071727374757677787980818283848586878889"
	    "90919293949596979899";
	unsigned n = 1;
	uint64_t t;
	char *d;

	for (t = 10; n < 20 && v >= t; t *= 10)
		n++;
	d = p + n;
	while (v >= 100) {
		d -= 2;
		memcpy(d, pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(d - 2, pairs + v * 2, 2);
	else
		d[-1] = (char)('0' + v);
	return p + n;
}

static char *
put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return put_u64(p, (uint64_t)v);
	*p++ = '-';
	return put_u64(p, 0 - (uint64_t)v);
}

/* A hexadecimal group without leading zeros, as in RFC 5952 text. */
static char *
put_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 15];
	return p;
}

static void
text_ipv4(struct text *t, uint32_t addr)
{
	char *p = t->s;

	p = put_u64(p, addr >> 24);
	*p++ = '.';
	p = put_u64(p, (addr >> 16) & 0xff);
	*p++ = '.';
	p = put_u64(p, (addr >> 8) & 0xff);
	*p++ = '.';
	p = put_u64(p, addr & 0xff);
	t->len = (uint8_t)(p - t->s);
}

/*
 * 2001:db8:<site>:<net>::<host>, the documentation prefix.  All three
 * groups must be non-zero: then the only zero run is the one "::"
 * replaces, and the text is the canonical compressed form.
 */
static void
text_ipv6(struct text *t, unsigned site, unsigned net, unsigned host)
{
	char *p = t->s;

	p = PUT_LITERAL(p, "2001:db8:");
	p = put_hex16(p, site);
	*p++ = ':';
	p = put_hex16(p, net);
	p = PUT_LITERAL(p, "::");
	p = put_hex16(p, host);
	t->len = (uint8_t)(p - t->s);
}

/*
 * An AWS resource id: prefix, then 17 lowercase hex digits, the first
 * being 0 as in every current AWS id.  NUL-terminated; returns length.
 */
static size_t
make_resource_id(struct rng *r, char *out, const char *prefix)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t bits = rng_next(r);
	size_t n = strlen(prefix);
	int i;

	memcpy(out, prefix, n);
	out[n++] = '0';
	for (i = 0; i < 16; i++, bits >>= 4)
		out[n++] = hex[bits & 15];
	out[n] = '\0';
	return n;
}

/* ---- the world: accounts, VPCs, subnets, ENIs and attackers ---- */

static const struct region {
	const char *name;
	const char *az_prefix;	/* az-ids are region-specific: use1-az4 */
	unsigned az_count;
} regions[] = {
	{ "us-east-1", "use1-az", 6 },
	{ "eu-west-1", "euw1-az", 3 },
};

/* What an ENI does decides which traffic it sees. */
enum role {
	ROLE_NAT_GATEWAY,
	ROLE_LOAD_BALANCER,
	ROLE_DNS,
	ROLE_WEB,
	ROLE_APP,
	ROLE_POSTGRES,
	ROLE_MYSQL,
	ROLE_REDIS,
	ROLE_WORKER,
	ROLE_COUNT
};

/*
 * minimum: ENIs of this role every VPC gets, so traffic models always
 * find a peer; weight: share of the rest; instance_per_mille: how many
 * have an instance id (NAT gateways, load balancers and the odd Lambda
 * ENI have none).
 */
static const struct role_info {
	unsigned minimum, weight, instance_per_mille;
} role_info[ROLE_COUNT] = {
	[ROLE_NAT_GATEWAY] =	{ 1, 0, 0 },
	[ROLE_LOAD_BALANCER] =	{ 2, 3, 0 },
	[ROLE_DNS] =		{ 1, 1, 1000 },
	[ROLE_WEB] =		{ 1, 18, 1000 },
	[ROLE_APP] =		{ 1, 22, 1000 },
	[ROLE_POSTGRES] =	{ 1, 6, 1000 },
	[ROLE_MYSQL] =		{ 1, 4, 1000 },
	[ROLE_REDIS] =		{ 1, 4, 1000 },
	[ROLE_WORKER] =		{ 1, 42, 950 },
};

struct account {
	char id[13];			/* 12 digits, NUL-terminated */
};

struct vpc {
	char id[22];			/* "vpc-" + 17 hex */
	unsigned account;		/* index into gen.accounts */
	unsigned region;		/* index into regions[] */
	uint32_t ipv4_base;		/* network address of its /16 */
	unsigned ipv6_site;		/* 2001:db8:<site>:<net><subnet>::/64 */
	unsigned ipv6_net;		/* 1..255, keeps the group non-zero */
	unsigned subnet_first, subnet_count;
	/* ENIs are stored grouped by VPC, then by role. */
	unsigned eni_first, eni_count;
	unsigned role_first[ROLE_COUNT], role_count[ROLE_COUNT];
};

struct subnet {
	char id[25];			/* "subnet-" + 17 hex */
	char az_id[12];			/* "use1-az4" */
	unsigned block;			/* which /20 of the VPC's /16 */
};

struct eni {
	enum role role;
	unsigned vpc;
	uint32_t ipv4_addr;
	struct text ipv4, ipv6;
	/* The fields that only depend on the ENI, preformatted. */
	uint8_t v2_prefix_len, custom_prefix_len;
	/* "account-id interface-id" */
	char v2_prefix[40];
	/*
	 * "account-id vpc-id subnet-id instance-id interface-id region
	 * az-id sublocation-type sublocation-id", at most 124 chars
	 */
	char custom_prefix[128];
};

/* A port scanner hammers one host from one source port (masscan-like). */
struct scanner {
	struct text addr;
	unsigned target;		/* index into gen.enis */
	unsigned srcport;
};

struct gen {
	struct gen_options opt;
	struct rng rng;
	/*
	 * File-mode clock: clock_base = opt.start + floor(i * span / rows)
	 * for line i, advanced by clock_step and a Bresenham-style
	 * remainder so it stays exact and platform-independent.
	 */
	int64_t clock_base;
	uint64_t clock_step, clock_remainder, clock_fraction;
	unsigned account_count, vpc_count, subnet_count, eni_count;
	unsigned scanner_count;
	struct account accounts[ACCOUNT_MAX];
	struct vpc vpcs[VPC_MAX];
	struct subnet subnets[SUBNET_MAX];
	struct eni enis[ENI_MAX];
	/* ENI indices in random order; low positions talk the most. */
	unsigned popularity[ENI_MAX];
	struct scanner scanners[SCANNER_MAX];
	struct text probers[PROBER_COUNT];
};

/*
 * A host of net/prefix_len (8 <= prefix_len <= 24) whose last octet is
 * 1..254, so it never looks like a network or broadcast address.
 */
static uint32_t
random_host(struct rng *r, uint32_t net, unsigned prefix_len)
{
	uint32_t middle = rng_below(r, 1u << (24 - prefix_len));

	return net | middle << 8 | rng_range(r, 1, 254);
}

/* First octets never drawn for a "realistic" internet host. */
static int
reserved_first_octet(uint32_t a)
{
	/* 198 and 203 hold documentation /24s, produced on purpose. */
	return a == 0 || a == 10 || a == 100 || a == 127 || a == 169 ||
	    a == 172 || a == 192 || a == 198 || a == 203 || a >= 224;
}

/*
 * An internet IPv4 host: mostly from the documentation ranges, otherwise
 * a realistic-looking public address; never private or 169.254.x.
 */
static uint32_t
random_public_ipv4(struct rng *r)
{
	static const uint32_t documentation_nets[] = {
		0xc0000200,	/* 192.0.2.0/24 */
		0xc6336400,	/* 198.51.100.0/24 */
		0xcb007100,	/* 203.0.113.0/24 */
	};
	uint32_t first;

	if (rng_chance(r, 600))
		return random_host(r, documentation_nets[rng_below(r, 3)], 24);
	do
		first = rng_range(r, 1, 223);
	while (reserved_first_octet(first));
	return random_host(r, first << 24, 8);
}

static void
random_public_ipv6(struct rng *r, struct text *t)
{
	unsigned site = rng_range(r, 1, 0xffff);
	unsigned net = rng_range(r, 1, 0xffff);

	text_ipv6(t, site, net, rng_range(r, 1, 0xffff));
}

/* A 45.x.x.x address, the classic scanner neighbourhood. */
static uint32_t
random_scanner_ipv4(struct rng *r)
{
	return random_host(r, 45u << 24, 8);
}

static void
build_accounts(struct gen *g)
{
	unsigned a;
	int i;

	g->account_count = rng_range(&g->rng, 2, ACCOUNT_MAX);
	for (a = 0; a < g->account_count; a++) {
		char *id = g->accounts[a].id;

		id[0] = (char)('1' + rng_below(&g->rng, 9));
		for (i = 1; i < 12; i++)
			id[i] = (char)('0' + rng_below(&g->rng, 10));
		id[12] = '\0';
	}
}

static void
build_subnets(struct gen *g, struct vpc *v)
{
	const struct region *region = &regions[v->region];
	unsigned first_az = rng_below(&g->rng, region->az_count), k;

	v->subnet_first = g->subnet_count;
	v->subnet_count = rng_range(&g->rng, 2, SUBNET_PER_VPC_MAX);
	for (k = 0; k < v->subnet_count; k++) {
		struct subnet *s = &g->subnets[g->subnet_count++];
		size_t n = strlen(region->az_prefix);

		make_resource_id(&g->rng, s->id, "subnet-");
		/* Consecutive subnets in distinct AZs, like a real layout. */
		memcpy(s->az_id, region->az_prefix, n);
		s->az_id[n] = (char)('1' + (first_az + k) % region->az_count);
		s->az_id[n + 1] = '\0';
		s->block = k;
	}
}

static void
build_vpcs(struct gen *g)
{
	unsigned a, j, count;

	for (a = 0; a < g->account_count; a++) {
		count = rng_range(&g->rng, 1, VPC_PER_ACCOUNT_MAX);
		for (j = 0; j < count; j++) {
			struct vpc *v = &g->vpcs[g->vpc_count++];

			make_resource_id(&g->rng, v->id, "vpc-");
			v->account = a;
			v->region = rng_below(&g->rng, 2);
			/* An account's first VPC is often the default one. */
			if (j == 0 && rng_chance(&g->rng, 500))
				v->ipv4_base = 0xac1f0000;	/* 172.31/16 */
			else
				v->ipv4_base = 10u << 24 |
				    rng_below(&g->rng, 256) << 16;
			v->ipv6_site = rng_range(&g->rng, 1, 0xffff);
			v->ipv6_net = rng_range(&g->rng, 1, 0xff);
			build_subnets(g, v);
		}
	}
}

/* Whether addr already belongs to an ENI of VPC v. */
static int
vpc_address_taken(const struct gen *g, const struct vpc *v, uint32_t addr)
{
	unsigned i;

	for (i = v->eni_first; i < g->eni_count; i++)
		if (g->enis[i].ipv4_addr == addr)
			return 1;
	return 0;
}

static void
assign_eni_addresses(struct gen *g, struct eni *e, const struct vpc *v,
    const struct subnet *s)
{
	uint32_t addr, third;

	/* .0-.3 and .255 are reserved by AWS; stay clear of them. */
	do {
		third = s->block << 4 | rng_below(&g->rng, 16);
		addr = v->ipv4_base | third << 8 | rng_range(&g->rng, 4, 254);
	} while (vpc_address_taken(g, v, addr));
	e->ipv4_addr = addr;
	text_ipv4(&e->ipv4, addr);
	text_ipv6(&e->ipv6, v->ipv6_site, v->ipv6_net << 8 | s->block,
	    rng_range(&g->rng, 1, 0xffff));
}

/* Preformats the columns that only depend on the ENI. */
static void
write_eni_prefixes(struct gen *g, struct eni *e, const struct vpc *v,
    const struct subnet *s)
{
	const char *account = g->accounts[v->account].id;
	char eni_id[24], instance_id[24];
	char *p;

	make_resource_id(&g->rng, eni_id, "eni-");
	if (rng_chance(&g->rng, role_info[e->role].instance_per_mille))
		make_resource_id(&g->rng, instance_id, "i-");
	else
		strcpy(instance_id, "-");

	p = put_cstr(e->v2_prefix, account);
	p = put_spaced(p, eni_id);
	e->v2_prefix_len = (uint8_t)(p - e->v2_prefix);

	p = put_cstr(e->custom_prefix, account);
	p = put_spaced(p, v->id);
	p = put_spaced(p, s->id);
	p = put_spaced(p, instance_id);
	p = put_spaced(p, eni_id);
	p = put_spaced(p, regions[v->region].name);
	p = put_spaced(p, s->az_id);
	p = PUT_LITERAL(p, " - -");	/* no Wavelength/Outposts here */
	e->custom_prefix_len = (uint8_t)(p - e->custom_prefix);
}

static void
build_eni(struct gen *g, unsigned vpc_index, enum role role)
{
	struct eni *e = &g->enis[g->eni_count];
	const struct vpc *v = &g->vpcs[vpc_index];
	unsigned k = 0;

	/* NAT gateways sit in the first, "public", subnet. */
	if (role != ROLE_NAT_GATEWAY)
		k = rng_below(&g->rng, v->subnet_count);
	e->role = role;
	e->vpc = vpc_index;
	assign_eni_addresses(g, e, v, &g->subnets[v->subnet_first + k]);
	write_eni_prefixes(g, e, v, &g->subnets[v->subnet_first + k]);
	g->eni_count++;
}

/* Splits total ENIs of a VPC into roles: minimums, then by weight. */
static void
count_roles(struct gen *g, unsigned total, unsigned counts[ROLE_COUNT])
{
	unsigned r, weight_sum = 0, assigned = 0, pick;

	for (r = 0; r < ROLE_COUNT; r++) {
		counts[r] = role_info[r].minimum;
		assigned += counts[r];
		weight_sum += role_info[r].weight;
	}
	for (; assigned < total; assigned++) {
		pick = rng_below(&g->rng, weight_sum);
		for (r = 0; pick >= role_info[r].weight; r++)
			pick -= role_info[r].weight;
		counts[r]++;
	}
}

static void
build_vpc_enis(struct gen *g, unsigned vpc_index, unsigned total)
{
	struct vpc *v = &g->vpcs[vpc_index];
	unsigned counts[ROLE_COUNT], r, i;

	count_roles(g, total, counts);
	v->eni_first = g->eni_count;
	for (r = 0; r < ROLE_COUNT; r++) {
		v->role_first[r] = g->eni_count;
		v->role_count[r] = counts[r];
		for (i = 0; i < counts[r]; i++)
			build_eni(g, vpc_index, (enum role)r);
	}
	v->eni_count = g->eni_count - v->eni_first;
}

/*
 * ~200 ENIs shared unevenly among the VPCs.  With weights 2..4 the
 * smallest share (>= 16) still covers every role's minimum (11), so the
 * total never exceeds ENI_MAX.
 */
static void
build_enis(struct gen *g)
{
	unsigned total = rng_range(&g->rng, ENI_MIN, ENI_MAX);
	unsigned weights[VPC_MAX], weight_sum = 0, used = 0, v, share, i;

	for (v = 0; v < g->vpc_count; v++)
		weight_sum += weights[v] = rng_range(&g->rng, 2, 4);
	for (v = 0; v < g->vpc_count; v++) {
		share = total * weights[v] / weight_sum;
		if (v == g->vpc_count - 1)
			share = total - used;
		build_vpc_enis(g, v, share);
		used += share;
	}
	/* Fisher-Yates, so talkativeness is unrelated to VPC or role. */
	for (i = 0; i < g->eni_count; i++)
		g->popularity[i] = i;
	for (i = g->eni_count - 1; i > 0; i--) {
		unsigned j = rng_below(&g->rng, i + 1), t = g->popularity[i];

		g->popularity[i] = g->popularity[j];
		g->popularity[j] = t;
	}
}

/* A random ENI of the given role in VPC vpc_index. */
static const struct eni *
pick_vpc_role(struct gen *g, unsigned vpc_index, enum role role)
{
	const struct vpc *v = &g->vpcs[vpc_index];

	return &g->enis[v->role_first[role] +
	    rng_below(&g->rng, v->role_count[role])];
}

static void
build_attackers(struct gen *g)
{
	unsigned i;

	g->scanner_count = rng_range(&g->rng, 3, SCANNER_MAX);
	for (i = 0; i < g->scanner_count; i++) {
		struct scanner *s = &g->scanners[i];
		unsigned vpc = rng_below(&g->rng, g->vpc_count);
		enum role role = rng_chance(&g->rng, 500) ?
		    ROLE_LOAD_BALANCER : ROLE_WEB;

		if (i % 2 == 0)
			text_ipv4(&s->addr, random_scanner_ipv4(&g->rng));
		else
			text_ipv4(&s->addr, 0xcb007100 |
			    rng_range(&g->rng, 1, 254));
		s->target = (unsigned)(pick_vpc_role(g, vpc, role) - g->enis);
		s->srcport = rng_range(&g->rng, 32768, 65535);
	}
	for (i = 0; i < PROBER_COUNT; i++)
		text_ipv4(&g->probers[i], i % 3 == 0 ?
		    random_scanner_ipv4(&g->rng) :
		    random_public_ipv4(&g->rng));
}

/* ---- traffic models: each fills one struct flow ---- */

enum log_status {
	STATUS_OK,
	STATUS_NODATA,
	STATUS_SKIPDATA
};

/* Where the far end is, which decides an egress record's traffic-path. */
enum peer_kind {
	PEER_VPC,
	PEER_PEERED_VPC,	/* another VPC of the account, same region */
	PEER_PEERED_REGION,	/* another VPC of the account, other region */
	PEER_ON_PREMISES,	/* behind a virtual private gateway */
	PEER_INTERNET,
	PEER_AWS_SERVICE
};

/* One record, as seen by the ENI that logs it. */
struct flow {
	const struct eni *eni;
	enum log_status status;
	/* srcaddr/dstaddr, and the original packet's (differ on NAT). */
	const struct text *src, *dst, *pkt_src, *pkt_dst;
	/* Storage for the far end when it is not one of our ENIs. */
	struct text remote;
	/* AWS service owning f->remote, or NULL. */
	const char *remote_service;
	enum peer_kind peer;
	unsigned srcport, dstport, protocol, tcp_flags;
	unsigned traffic_path;	/* egress only; 0 on ingress */
	int ipv6;
	int reject;
	int request;		/* client-to-server half of a conversation */
	int ingress;		/* relative to the ENI */
	uint64_t packets, bytes;
	int64_t start, end;
};

/*
 * Clears what the models rely on.  Each model sets the other fields it
 * uses; f->remote is scratch.  (A memset of the whole struct per line
 * showed up in profiles.)
 */
static void
flow_reset(struct flow *f)
{
	f->status = STATUS_OK;
	f->remote_service = NULL;
	f->peer = PEER_VPC;
	f->tcp_flags = 0;
	f->traffic_path = 0;
	f->ipv6 = 0;
	f->reject = 0;
}

/* A popular ENI: the smaller of two uniform picks skews traffic. */
static const struct eni *
pick_popular_eni(struct gen *g)
{
	uint32_t a = rng_below(&g->rng, g->eni_count);
	uint32_t b = rng_below(&g->rng, g->eni_count);

	return &g->enis[g->popularity[a < b ? a : b]];
}

/* A popular ENI that is an endpoint, not a NAT gateway in between. */
static const struct eni *
pick_endpoint_eni(struct gen *g)
{
	const struct eni *e = pick_popular_eni(g);

	if (e->role == ROLE_NAT_GATEWAY)
		e = pick_vpc_role(g, e->vpc, ROLE_WORKER);
	return e;
}

/* Client ports: mostly the Linux ephemeral range, sometimes any. */
static unsigned
ephemeral_port(struct gen *g)
{
	if (rng_chance(&g->rng, 700))
		return rng_range(&g->rng, 32768, 60999);
	return rng_range(&g->rng, 1024, 65535);
}

static const struct text *
local_address(const struct flow *f, const struct eni *e)
{
	return f->ipv6 ? &e->ipv6 : &e->ipv4;
}

/* Fills f->remote with an internet host of the flow's family. */
static void
pick_internet_peer(struct gen *g, struct flow *f, int may_be_aws)
{
	static const struct {
		const char *name;
		uint32_t net;		/* a /16 of the service */
	} services[] = {
		{ "S3", 0x34d80000 },		/* 52.216/16 */
		{ "S3", 0x34da0000 },		/* 52.218/16 */
		{ "AMAZON", 0x36ef0000 },	/* 54.239/16 */
		{ "EC2", 0x03500000 },		/* 3.80/16 */
	};
	unsigned i;

	f->peer = PEER_INTERNET;
	if (f->ipv6) {
		random_public_ipv6(&g->rng, &f->remote);
	} else if (may_be_aws && rng_chance(&g->rng, 250)) {
		i = rng_below(&g->rng, sizeof services / sizeof services[0]);
		f->peer = PEER_AWS_SERVICE;
		f->remote_service = services[i].name;
		text_ipv4(&f->remote, random_host(&g->rng, services[i].net,
		    16));
	} else {
		text_ipv4(&f->remote, random_public_ipv4(&g->rng));
	}
}

/*
 * Sets addresses, ports and direction for one half of a conversation:
 * the client-to-server half when request, else the reply.  The logging
 * ENI is the server when local_is_server, else the client.
 */
static void
set_conversation(struct flow *f, const struct text *client,
    unsigned client_port, const struct text *server, unsigned server_port,
    int local_is_server, int request)
{
	if (request) {
		f->src = client;
		f->srcport = client_port;
		f->dst = server;
		f->dstport = server_port;
	} else {
		f->src = server;
		f->srcport = server_port;
		f->dst = client;
		f->dstport = client_port;
	}
	f->pkt_src = f->src;
	f->pkt_dst = f->dst;
	f->request = request;
	/* The ENI receives what the client sends to it as a server. */
	f->ingress = !request == !local_is_server;
}

/* set_conversation() for protocols without ports, from the ENI's side. */
static void
set_portless_exchange(struct flow *f, const struct text *local,
    const struct text *far, int local_is_server, int request)
{
	if (local_is_server)
		set_conversation(f, far, 0, local, 0, 1, request);
	else
		set_conversation(f, local, 0, far, 0, 0, request);
}

/* A denied connection attempt: a SYN or two, 40-60 bytes each. */
static void
set_rejected_volume(struct gen *g, struct flow *f)
{
	f->packets = rng_chance(&g->rng, 800) ? 1 : rng_range(&g->rng, 2, 3);
	f->bytes = f->packets * rng_range(&g->rng, 40, 60);
}

static void
set_volume(struct gen *g, struct flow *f, unsigned min_level,
    unsigned min_size, unsigned max_size)
{
	f->packets = heavy_tailed_packets(&g->rng, min_level);
	f->bytes = f->packets * rng_range(&g->rng, min_size, max_size);
}

static void
flow_no_data(struct gen *g, struct flow *f, enum log_status status)
{
	f->eni = pick_popular_eni(g);
	f->status = status;
}

static unsigned
scanned_port(struct gen *g)
{
	static const uint16_t popular[] = {
		21, 22, 23, 25, 53, 80, 81, 110, 111, 135, 139, 143, 443,
		445, 993, 995, 1433, 1521, 1723, 2049, 2375, 3306, 3389,
		5060, 5432, 5900, 6379, 8000, 8080, 8443, 8888, 9200,
		11211, 27017,
	};

	if (rng_chance(&g->rng, 500))
		return popular[rng_below(&g->rng,
		    sizeof popular / sizeof popular[0])];
	return rng_range(&g->rng, 1, 65535);
}

/* A bare SYN to one more port of the scanner's target, dropped. */
static void
flow_port_scan(struct gen *g, struct flow *f)
{
	const struct scanner *s =
	    &g->scanners[rng_below(&g->rng, g->scanner_count)];

	f->eni = &g->enis[s->target];
	f->protocol = PROTO_TCP;
	f->reject = 1;
	f->peer = PEER_INTERNET;
	set_conversation(f, &s->addr, s->srcport, &f->eni->ipv4,
	    scanned_port(g), 1, 1);
	f->tcp_flags = TCP_SYN;
	f->packets = 1;
	f->bytes = rng_range(&g->rng, 40, 60);
}

/* SSH/RDP password guessing from the internet, mostly blocked. */
static void
flow_admin_probe(struct gen *g, struct flow *f)
{
	const struct text *source = &f->remote;
	unsigned port = rng_chance(&g->rng, 650) ? 22 : 3389;

	f->eni = pick_endpoint_eni(g);
	f->protocol = PROTO_TCP;
	f->peer = PEER_INTERNET;
	if (rng_chance(&g->rng, 500))
		source = &g->probers[rng_below(&g->rng, PROBER_COUNT)];
	else
		text_ipv4(&f->remote, random_public_ipv4(&g->rng));
	set_conversation(f, source, ephemeral_port(g), &f->eni->ipv4, port,
	    1, 1);
	f->reject = rng_chance(&g->rng, 900);
	if (f->reject) {
		f->tcp_flags = TCP_SYN;
		set_rejected_volume(g, f);
		return;
	}
	f->tcp_flags = rng_chance(&g->rng, 700) ? TCP_SYN | TCP_FIN : TCP_SYN;
	f->packets = rng_range(&g->rng, 3, 40);
	f->bytes = f->packets * rng_range(&g->rng, 60, 300);
}

/* Pings: internal ones, and internet ones that are often dropped. */
static void
flow_icmp(struct gen *g, struct flow *f)
{
	const struct text *peer_address = &f->remote;
	int local_is_server = rng_chance(&g->rng, 600);
	int request = rng_chance(&g->rng, 600);

	f->eni = pick_endpoint_eni(g);
	f->protocol = PROTO_ICMP;
	if (rng_chance(&g->rng, 400)) {
		f->peer = PEER_VPC;
		peer_address = &pick_vpc_role(g, f->eni->vpc,
		    (enum role)rng_below(&g->rng, ROLE_COUNT))->ipv4;
	} else {
		pick_internet_peer(g, f, 0);
		f->reject = rng_chance(&g->rng, 250);
		if (f->reject)
			local_is_server = request = 1;
	}
	set_portless_exchange(f, &f->eni->ipv4, peer_address,
	    local_is_server, request);
	f->packets = rng_range(&g->rng, 1, f->reject ? 3 : 10);
	f->bytes = f->packets * (rng_chance(&g->rng, 800) ? 84 :
	    rng_range(&g->rng, 64, 1500));
}

/* The ~1% rest: ICMPv6, and GRE or ESP tunnels to VPN endpoints. */
static void
flow_other_protocol(struct gen *g, struct flow *f)
{
	static const unsigned protocols[] = {
		PROTO_ICMPV6, PROTO_GRE, PROTO_ESP
	};
	int local_is_server, request;

	f->eni = pick_endpoint_eni(g);
	f->protocol = protocols[rng_below(&g->rng, 3)];
	f->ipv6 = f->protocol == PROTO_ICMPV6;
	pick_internet_peer(g, f, 0);
	local_is_server = rng_chance(&g->rng, 500);
	request = rng_chance(&g->rng, 500);
	set_portless_exchange(f, local_address(f, f->eni), &f->remote,
	    local_is_server, request);
	if (f->ipv6) {
		f->packets = rng_range(&g->rng, 1, 8);
		f->bytes = f->packets * rng_range(&g->rng, 72, 128);
	} else {
		set_volume(g, f, 1, 100, 1400);
	}
}

/*
 * Picks a UDP service for client ENI e: DNS (the VPC's DNS ENIs or public
 * resolvers), NTP, QUIC or StatsD.  Returns the port; *peer is the
 * server ENI, or NULL for an internet server.
 */
static unsigned
pick_udp_service(struct gen *g, const struct eni *e, const struct eni **peer)
{
	unsigned kind = rng_below(&g->rng, 100);

	*peer = NULL;
	if (kind < 70) {
		if (rng_chance(&g->rng, 500))
			*peer = pick_vpc_role(g, e->vpc, ROLE_DNS);
		return 53;
	}
	if (kind < 80)
		return 123;
	if (kind < 95)
		return 443;
	*peer = pick_vpc_role(g, e->vpc, ROLE_WORKER);
	return 8125;
}

/* UDP, logged by the client or by a DNS ENI answering a worker. */
static void
flow_udp(struct gen *g, struct flow *f)
{
	const struct eni *e = pick_endpoint_eni(g), *peer;
	const struct text *far, *local;
	int local_is_server = e->role == ROLE_DNS && rng_chance(&g->rng, 600);
	int request;
	unsigned port = 53, client_port;

	f->eni = e;
	f->protocol = PROTO_UDP;
	f->ipv6 = rng_chance(&g->rng, 32);
	f->reject = rng_chance(&g->rng, 50);
	if (local_is_server)
		peer = pick_vpc_role(g, e->vpc, ROLE_WORKER);
	else
		port = pick_udp_service(g, e, &peer);
	if (peer == NULL) {
		pick_internet_peer(g, f, 0);
		far = &f->remote;
	} else {
		f->peer = PEER_VPC;
		far = local_address(f, peer);
	}
	local = local_address(f, e);
	client_port = ephemeral_port(g);
	request = f->reject || rng_chance(&g->rng, 500);
	set_conversation(f, local_is_server ? far : local, client_port,
	    local_is_server ? local : far, port, local_is_server, request);
	if (f->reject)
		set_rejected_volume(g, f);
	else if (port == 443)
		set_volume(g, f, 1, 100, 1350);
	else
		set_volume(g, f, 0, 60, port == 123 ? 76 : 512);
}

/* The port a server ENI listens on; 0 for roles that only connect out. */
static unsigned
service_port(struct gen *g, enum role role)
{
	switch (role) {
	case ROLE_LOAD_BALANCER:
	case ROLE_WEB:
		return rng_chance(&g->rng, 750) ? 443 : 80;
	case ROLE_APP:
		return 8080;
	case ROLE_POSTGRES:
		return 5432;
	case ROLE_MYSQL:
		return 3306;
	case ROLE_REDIS:
		return 6379;
	default:
		return 0;
	}
}

/*
 * Who calls a server of this role: an ENI of the VPC, or NULL for the
 * internet (load balancers and some directly exposed web servers).
 */
static const struct eni *
pick_client_of(struct gen *g, const struct eni *server)
{
	switch (server->role) {
	case ROLE_WEB:
		if (rng_chance(&g->rng, 300))
			return NULL;
		return pick_vpc_role(g, server->vpc, ROLE_LOAD_BALANCER);
	case ROLE_APP:
		return pick_vpc_role(g, server->vpc, rng_chance(&g->rng, 500) ?
		    ROLE_WEB : ROLE_LOAD_BALANCER);
	case ROLE_POSTGRES:
	case ROLE_MYSQL:
	case ROLE_REDIS:
		return pick_vpc_role(g, server->vpc, rng_chance(&g->rng, 700) ?
		    ROLE_APP : ROLE_WORKER);
	default:
		return NULL;
	}
}

/* The logging ENI is the server of a TCP connection. */
static void
tcp_served(struct gen *g, struct flow *f)
{
	const struct eni *client = pick_client_of(g, f->eni);
	const struct text *client_address = &f->remote;
	unsigned client_port, port;
	int request;

	if (client == NULL) {
		pick_internet_peer(g, f, 0);
	} else {
		f->peer = PEER_VPC;
		client_address = local_address(f, client);
	}
	client_port = ephemeral_port(g);
	port = service_port(g, f->eni->role);
	request = f->reject || rng_chance(&g->rng, 500);
	set_conversation(f, client_address, client_port,
	    local_address(f, f->eni), port, 1, request);
}

/* Port of an outbound connection to the internet: mostly HTTPS. */
static unsigned
internet_port(struct gen *g)
{
	static const uint16_t other[] = {
		22, 25, 587, 993, 5671, 8443, 9092, 9200, 27017,
	};
	unsigned kind = rng_below(&g->rng, 100);

	if (kind < 80)
		return 443;
	if (kind < 92)
		return 80;
	return other[rng_below(&g->rng, sizeof other / sizeof other[0])];
}

/*
 * The VPC of a server the logging ENI calls: its own, or now and then
 * another VPC of the same account reached over VPC peering.
 */
static unsigned
pick_server_vpc(struct gen *g, struct flow *f)
{
	unsigned own = f->eni->vpc;
	unsigned other = rng_below(&g->rng, g->vpc_count);

	f->peer = PEER_VPC;
	if (other == own || !rng_chance(&g->rng, 100) ||
	    g->vpcs[other].account != g->vpcs[own].account)
		return own;
	f->peer = g->vpcs[other].region == g->vpcs[own].region ?
	    PEER_PEERED_VPC : PEER_PEERED_REGION;
	return other;
}

/* A server in the corporate network, reached through a VPN. */
static unsigned
pick_on_premises_peer(struct gen *g, struct flow *f)
{
	static const uint16_t ports[] = { 443, 389, 445, 1433, 1521 };

	f->peer = PEER_ON_PREMISES;
	text_ipv4(&f->remote, random_host(&g->rng, 0xc0a80000, 16));
	return ports[rng_below(&g->rng, sizeof ports / sizeof ports[0])];
}

/* The logging ENI is the client: of a service in a VPC, or elsewhere. */
static void
tcp_client(struct gen *g, struct flow *f)
{
	static const enum role upstream[] = {
		ROLE_LOAD_BALANCER, ROLE_WEB, ROLE_APP, ROLE_APP,
		ROLE_POSTGRES, ROLE_MYSQL, ROLE_REDIS,
	};
	const struct text *server_address = &f->remote;
	unsigned port, client_port, kind = rng_below(&g->rng, 1000);
	int request;

	if (f->reject) {
		/*
		 * Egress is rarely filtered; when it is, a NACL blocks plain
		 * web traffic.  Few ports, so a busy instance never looks
		 * like a port scanner.
		 */
		pick_internet_peer(g, f, 0);
		port = rng_chance(&g->rng, 500) ? 443 : 80;
	} else if (kind < 350) {
		enum role role = upstream[rng_below(&g->rng,
		    sizeof upstream / sizeof upstream[0])];

		server_address = local_address(f,
		    pick_vpc_role(g, pick_server_vpc(g, f), role));
		port = service_port(g, role);
	} else if (kind < 380 && !f->ipv6) {
		port = pick_on_premises_peer(g, f);
	} else {
		pick_internet_peer(g, f, 1);
		port = internet_port(g);
	}
	client_port = ephemeral_port(g);
	request = f->reject || rng_chance(&g->rng, 500);
	set_conversation(f, local_address(f, f->eni), client_port,
	    server_address, port, 0, request);
}

/*
 * A NAT gateway logs four legs of each connection, as in the AWS
 * documentation: instance->NAT and NAT->instance (whose pkt-dstaddr /
 * pkt-srcaddr name the internet host), and NAT<->internet host.
 */
static void
tcp_through_nat(struct gen *g, struct flow *f)
{
	const struct eni *nat = f->eni;
	const struct text *instance = &pick_vpc_role(g, nat->vpc,
	    rng_chance(&g->rng, 600) ? ROLE_WORKER : ROLE_APP)->ipv4;
	unsigned port = rng_chance(&g->rng, 800) ? 443 : 80;
	unsigned leg = rng_below(&g->rng, 4);

	f->reject = 0;		/* no security groups on NAT gateways */
	pick_internet_peer(g, f, 1);
	if (leg == 0 || leg == 3) {
		set_conversation(f, instance, ephemeral_port(g), &nat->ipv4,
		    port, 1, leg == 0);
		if (leg == 0)
			f->pkt_dst = &f->remote;
		else
			f->pkt_src = &f->remote;
		f->peer = PEER_VPC;
	} else {
		set_conversation(f, &nat->ipv4, ephemeral_port(g), &f->remote,
		    port, 0, leg == 1);
	}
}

/*
 * TCP flags are ORed over the aggregation window and ACK only shows with
 * SYN: a whole short connection is SYN|FIN (3) from the client and
 * SYN-ACK|FIN (19) from the server; long ones show just their start,
 * nothing, their FIN or a RST.
 */
static void
set_tcp_outcome(struct gen *g, struct flow *f)
{
	static const unsigned client_flags[] = {
		TCP_SYN | TCP_FIN, TCP_SYN, 0, TCP_FIN, TCP_RST,
	};
	static const unsigned server_flags[] = {
		TCP_SYN_ACK | TCP_FIN, TCP_SYN_ACK, 0, TCP_FIN, TCP_RST,
	};
	static const unsigned phase_percent[] = { 40, 15, 30, 10, 5 };
	unsigned pick = rng_below(&g->rng, 100), phase = 0;

	if (f->reject) {
		f->tcp_flags = TCP_SYN;
		set_rejected_volume(g, f);
		return;
	}
	while (pick >= phase_percent[phase])
		pick -= phase_percent[phase++];
	f->tcp_flags = f->request ? client_flags[phase] : server_flags[phase];
	if (f->request)
		set_volume(g, f, 1, 40, 700);
	else
		set_volume(g, f, 1, 300, 1500);
}

static int
role_serves_tcp(enum role role)
{
	return role == ROLE_LOAD_BALANCER || role == ROLE_WEB ||
	    role == ROLE_APP || role == ROLE_POSTGRES ||
	    role == ROLE_MYSQL || role == ROLE_REDIS;
}

/*
 * Ordinary TCP; a rejected one is always the client's first SYN, and
 * mostly one a security group drops on the way in to a server.
 */
static void
flow_tcp(struct gen *g, struct flow *f)
{
	f->eni = pick_popular_eni(g);
	f->protocol = PROTO_TCP;
	f->reject = rng_chance(&g->rng, 90);
	if (f->eni->role == ROLE_NAT_GATEWAY) {
		tcp_through_nat(g, f);
	} else {
		f->ipv6 = rng_chance(&g->rng, 32);
		if (role_serves_tcp(f->eni->role) &&
		    (f->reject || rng_chance(&g->rng, 750)))
			tcp_served(g, f);
		else
			tcp_client(g, f);
	}
	set_tcp_outcome(g, f);
}

/* Per 100 000 lines; OK records are TCP ~80%, UDP ~15%, ICMP ~4%. */
static void
flow_generate(struct gen *g, struct flow *f)
{
	uint32_t pick = rng_below(&g->rng, 100000);

	if (pick < 1000)
		flow_no_data(g, f, STATUS_NODATA);
	else if (pick < 1200)
		flow_no_data(g, f, STATUS_SKIPDATA);
	else if (pick < 4200)
		flow_port_scan(g, f);
	else if (pick < 7200)
		flow_admin_probe(g, f);
	else if (pick < 11200)
		flow_icmp(g, f);
	else if (pick < 12200)
		flow_other_protocol(g, f);
	else if (pick < 27200)
		flow_udp(g, f);
	else
		flow_tcp(g, f);
}

/* ---- time ---- */

static void
clock_init(struct gen *g)
{
	double seconds = g->opt.hours * 3600.0;
	uint64_t span = 0;

	if (seconds > SPAN_SECONDS_MAX)
		seconds = SPAN_SECONDS_MAX;
	/*
	 * Rounded, not truncated: x87 and SSE may disagree in the last
	 * bit of the product, never by half a second.
	 */
	if (seconds > 0)	/* also false for NaN */
		span = (uint64_t)(seconds + 0.5);
	g->clock_base = g->opt.start;
	if (g->opt.rows > 0) {
		g->clock_step = span / g->opt.rows;
		g->clock_remainder = span % g->opt.rows;
	}
}

/* clock_base += span / rows, carrying the remainder exactly. */
static void
clock_advance(struct gen *g)
{
	g->clock_base += (int64_t)g->clock_step;
	g->clock_fraction += g->clock_remainder;
	if (g->clock_fraction >= g->opt.rows && g->opt.rows > 0) {
		g->clock_fraction -= g->opt.rows;
		g->clock_base++;
	}
}

static void
set_time(struct gen *g, struct flow *f, int64_t live_now)
{
	uint32_t age;

	if (live_now > 0) {
		age = rng_below(&g->rng, 61);
		f->start = live_now - age;
		f->end = f->start + rng_below(&g->rng, age + 1);
		return;
	}
	/* Jitter < 20 s keeps starts non-decreasing within 60 s. */
	f->start = g->clock_base + rng_below(&g->rng, 20);
	f->end = f->start + rng_range(&g->rng, 1, 60);
	clock_advance(g);
}

/* ---- line writers ---- */

static const char *const status_names[] = {
	[STATUS_OK] = "OK",
	[STATUS_NODATA] = "NODATA",
	[STATUS_SKIPDATA] = "SKIPDATA",
};

/* Number fields are written as ' ' + digits. */
static inline char *
put_spaced_u64(char *p, uint64_t v)
{
	*p++ = ' ';
	return put_u64(p, v);
}

static inline char *
put_spaced_text(char *p, const struct text *t)
{
	*p++ = ' ';
	return put_text(p, t);
}

static inline char *
put_spaced_i64(char *p, int64_t v)
{
	*p++ = ' ';
	return put_i64(p, v);
}

static char *
put_action(char *p, const struct flow *f)
{
	if (f->reject)
		return PUT_LITERAL(p, " REJECT");
	return PUT_LITERAL(p, " ACCEPT");
}

/*
 * version account-id interface-id srcaddr dstaddr srcport dstport
 * protocol packets bytes start end action log-status
 */
static char *
write_v2(const struct flow *f, char *p)
{
	p = PUT_LITERAL(p, "2 ");
	p = PUT_ARRAY(p, f->eni->v2_prefix, f->eni->v2_prefix_len);
	if (f->status != STATUS_OK) {
		p = PUT_LITERAL(p, " - - - - - - -");
		p = put_spaced_i64(p, f->start);
		p = put_spaced_i64(p, f->end);
		p = PUT_LITERAL(p, " -");
		return put_spaced(p, status_names[f->status]);
	}
	p = put_spaced_text(p, f->src);
	p = put_spaced_text(p, f->dst);
	p = put_spaced_u64(p, f->srcport);
	p = put_spaced_u64(p, f->dstport);
	p = put_spaced_u64(p, f->protocol);
	p = put_spaced_u64(p, f->packets);
	p = put_spaced_u64(p, f->bytes);
	p = put_spaced_i64(p, f->start);
	p = put_spaced_i64(p, f->end);
	p = put_action(p, f);
	return PUT_LITERAL(p, " OK");
}

/*
 * A NODATA or SKIPDATA record in the custom format: only version, start,
 * end, the ENI block and log-status are set.
 */
static char *
write_custom_no_data(const struct flow *f, char *p)
{
	p = PUT_LITERAL(p, "5 - - - - -");
	p = put_spaced_i64(p, f->start);
	p = put_spaced_i64(p, f->end);
	p = PUT_LITERAL(p, " - - - ");
	p = PUT_ARRAY(p, f->eni->custom_prefix, f->eni->custom_prefix_len);
	p = PUT_LITERAL(p, " - - - - - - - -");
	return put_spaced(p, status_names[f->status]);
}

static char *
put_service(char *p, const struct flow *f, const struct text *address)
{
	if (f->remote_service != NULL && address == &f->remote)
		return put_spaced(p, f->remote_service);
	return PUT_LITERAL(p, " -");
}

/* traffic-path only exists for egress. */
static char *
put_traffic_path(char *p, const struct flow *f)
{
	if (f->ingress)
		return PUT_LITERAL(p, " - ingress");
	p = put_spaced_u64(p, f->traffic_path);
	return PUT_LITERAL(p, " egress");
}

/*
 * version srcaddr dstaddr srcport dstport protocol start end type
 * packets bytes account-id vpc-id subnet-id instance-id interface-id
 * region az-id sublocation-type sublocation-id action tcp-flags
 * pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service
 * traffic-path flow-direction log-status
 */
static char *
write_custom(const struct flow *f, char *p)
{
	if (f->status != STATUS_OK)
		return write_custom_no_data(f, p);
	p = PUT_LITERAL(p, "5");
	p = put_spaced_text(p, f->src);
	p = put_spaced_text(p, f->dst);
	p = put_spaced_u64(p, f->srcport);
	p = put_spaced_u64(p, f->dstport);
	p = put_spaced_u64(p, f->protocol);
	p = put_spaced_i64(p, f->start);
	p = put_spaced_i64(p, f->end);
	p = f->ipv6 ? PUT_LITERAL(p, " IPv6") : PUT_LITERAL(p, " IPv4");
	p = put_spaced_u64(p, f->packets);
	p = put_spaced_u64(p, f->bytes);
	*p++ = ' ';
	p = PUT_ARRAY(p, f->eni->custom_prefix, f->eni->custom_prefix_len);
	p = put_action(p, f);
	p = put_spaced_u64(p, f->tcp_flags);
	p = put_spaced_text(p, f->pkt_src);
	p = put_spaced_text(p, f->pkt_dst);
	p = put_service(p, f, f->pkt_src);
	p = put_service(p, f, f->pkt_dst);
	p = put_traffic_path(p, f);
	return PUT_LITERAL(p, " OK");
}

/*
 * An egress record's traffic-path (AWS codes): 1 same VPC, 4/5 VPC
 * peering within/across regions, 3 virtual private gateway, 7 gateway
 * VPC endpoint, 8 internet gateway (2 on older, non-Nitro instances).
 * 6 (local gateway) needs Outposts, which this world does not have.
 */
static unsigned
pick_traffic_path(struct gen *g, const struct flow *f)
{
	switch (f->peer) {
	case PEER_VPC:
		return 1;
	case PEER_PEERED_VPC:
		return 4;
	case PEER_PEERED_REGION:
		return 5;
	case PEER_ON_PREMISES:
		return 3;
	case PEER_AWS_SERVICE:
		return rng_chance(&g->rng, 600) ? 7 : 8;
	default:
		return rng_chance(&g->rng, 850) ? 8 : 2;
	}
}

/* ---- public API ---- */

struct gen *
gen_new(const struct gen_options *opt)
{
	struct gen *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->opt = *opt;
	rng_seed(&g->rng, opt->seed);
	clock_init(g);
	build_accounts(g);
	build_vpcs(g);
	build_enis(g);
	build_attackers(g);
	return g;
}

void
gen_free(struct gen *g)
{
	free(g);
}

const char *
gen_format_string(int custom)
{
	return custom ? CUSTOM_FORMAT : V2_FORMAT;
}

size_t
gen_header(const struct gen *g, char *buf, size_t cap)
{
	const char *header = g->opt.custom ? CUSTOM_HEADER : V2_HEADER;
	size_t len = strlen(header);

	if (cap < len + 2)
		return 0;
	memcpy(buf, header, len);
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

size_t
gen_line(struct gen *g, int64_t live_now, char *buf, size_t cap)
{
	struct flow f;
	char *end;

	if (cap < GEN_LINE_MAX)
		return 0;
	flow_reset(&f);
	set_time(g, &f, live_now);
	flow_generate(g, &f);
	/*
	 * Drawn in both formats, so a v2 file is a projection of the
	 * custom file made with the same options.
	 */
	if (f.status == STATUS_OK && !f.ingress)
		f.traffic_path = pick_traffic_path(g, &f);
	end = g->opt.custom ? write_custom(&f, buf) : write_v2(&f, buf);
	*end++ = '\n';
	*end = '\0';
	return (size_t)(end - buf);
}
