/*
 * field.h - the catalogue of VPC Flow Logs fields.
 *
 * One table knows every field AWS documents (v2-v8, the ECS fields,
 * reject-reason, the Transit Gateway set and the 2025 additions): its
 * custom-format name (`srcport`), its column name (`srcport`, hyphens become
 * underscores), how its values are validated, and where it is stored - in a
 * flow_logs column or, for fields without a column, in the JSON `extra`
 * column.  Every other module (parser, store, archive, DDL) asks this table;
 * none repeats the list.
 */
#ifndef FLOWLENS_FIELD_H
#define FLOWLENS_FIELD_H

#include <stddef.h>
#include <stdint.h>

/* How a field's text is checked and stored. */
enum field_type {
	FIELD_TEXT,	/* any token, stored as TEXT */
	FIELD_ADDR,	/* IPv4 or IPv6 address, stored as TEXT */
	FIELD_INT32,	/* integer in [min, max], stored as INTEGER */
	FIELD_INT64,	/* integer in [min, max], stored as INTEGER */
	FIELD_TIME,	/* epoch seconds >= 0; milliseconds are scaled down */
};

/*
 * The flow_logs record columns, in table order.  FLOW_COL_COUNT is the number
 * of record columns (origin and extra are added by the store).
 */
enum flow_column {
	COL_VERSION, COL_ACCOUNT_ID, COL_INTERFACE_ID, COL_SRCADDR, COL_DSTADDR,
	COL_SRCPORT, COL_DSTPORT, COL_PROTOCOL, COL_PACKETS, COL_BYTES,
	COL_START, COL_END, COL_ACTION, COL_LOG_STATUS,
	COL_VPC_ID, COL_SUBNET_ID, COL_INSTANCE_ID, COL_TCP_FLAGS, COL_TYPE,
	COL_PKT_SRCADDR, COL_PKT_DSTADDR, COL_REGION, COL_AZ_ID,
	COL_SUBLOCATION_TYPE, COL_SUBLOCATION_ID, COL_PKT_SRC_AWS_SERVICE,
	COL_PKT_DST_AWS_SERVICE, COL_FLOW_DIRECTION, COL_TRAFFIC_PATH,
	COL_ECS_CLUSTER_ARN, COL_ECS_CLUSTER_NAME,
	COL_ECS_CONTAINER_INSTANCE_ARN, COL_ECS_CONTAINER_INSTANCE_ID,
	COL_ECS_CONTAINER_ID, COL_ECS_SECOND_CONTAINER_ID,
	COL_ECS_SERVICE_NAME, COL_ECS_TASK_DEFINITION_ARN, COL_ECS_TASK_ARN,
	COL_ECS_TASK_ID, COL_REJECT_REASON,
	FLOW_COL_COUNT
};

/* Index of the column after which the store puts `origin` (see store.c). */
#define FLOW_COL_BEFORE_ORIGIN COL_LOG_STATUS

/* One known field.  The table is static and read-only. */
struct field_def {
	const char     *name;	/* custom-format name, e.g. "log-status" */
	const char     *column;	/* column / JSON key, e.g. "log_status" */
	enum field_type type;	/* validation and storage type */
	int64_t         min;	/* inclusive bounds for the integer types */
	int64_t         max;
	int             col;	/* enum flow_column, or -1: stored in extra */
	int             version;/* flow-log version that introduced it; 6=TGW */
};

/* The field with this custom-format name, or NULL if AWS never documented it. */
const struct field_def *field_lookup(const char *name, size_t len);

/* The definition behind flow_logs column `col` (0 <= col < FLOW_COL_COUNT). */
const struct field_def *field_for_column(int col);

/*
 * The record columns stored as TEXT (FIELD_TEXT and FIELD_ADDR) as a mask,
 * bit c for column c; the other columns hold integers.  Record loops walk
 * the set bits of a record's `present` mask with column_lowest() and test
 * this mask, instead of looking up all FLOW_COL_COUNT fields per record.
 */
uint64_t field_text_columns(void);

/* The lowest column in a non-zero column mask. */
static inline int
column_lowest(uint64_t mask)
{
	return __builtin_ctzll(mask);
}

/* Number of entries in the catalogue and the i-th entry (for listings). */
size_t field_count(void);
const struct field_def *field_at(size_t i);

/*
 * Whether name[0..len) has the shape of a field name: a lower-case letter,
 * then lower-case letters, digits and hyphens.  Unknown names of this shape
 * are accepted by formats and kept in `extra`.
 */
int field_name_valid(const char *name, size_t len);

/* SQL type of a column ("INTEGER" or "TEXT"). */
const char *field_sql_type(const struct field_def *f);

#endif
