/*
 * field.c - the field catalogue (see field.h).  Facts come from the AWS VPC
 * user guide's flow-log record table and the Transit Gateway flow-log page.
 */
#include "field.h"

#include <pthread.h>
#include <string.h>

#include "util.h"

#define I32MAX INT32_MAX
#define I64MAX INT64_MAX

/* Columns first, in flow_logs order, so field_for_column() is an index. */
static const struct field_def fields[] = {
	{ "version", "version", FIELD_INT32, 0, I32MAX, COL_VERSION, 2 },
	{ "account-id", "account_id", FIELD_TEXT, 0, 0, COL_ACCOUNT_ID, 2 },
	{ "interface-id", "interface_id", FIELD_TEXT, 0, 0, COL_INTERFACE_ID, 2 },
	{ "srcaddr", "srcaddr", FIELD_ADDR, 0, 0, COL_SRCADDR, 2 },
	{ "dstaddr", "dstaddr", FIELD_ADDR, 0, 0, COL_DSTADDR, 2 },
	{ "srcport", "srcport", FIELD_INT32, 0, 65535, COL_SRCPORT, 2 },
	{ "dstport", "dstport", FIELD_INT32, 0, 65535, COL_DSTPORT, 2 },
	{ "protocol", "protocol", FIELD_INT32, 0, 255, COL_PROTOCOL, 2 },
	{ "packets", "packets", FIELD_INT64, 0, I64MAX, COL_PACKETS, 2 },
	{ "bytes", "bytes", FIELD_INT64, 0, I64MAX, COL_BYTES, 2 },
	{ "start", "start", FIELD_TIME, 0, I64MAX, COL_START, 2 },
	{ "end", "end", FIELD_TIME, 0, I64MAX, COL_END, 2 },
	{ "action", "action", FIELD_TEXT, 0, 0, COL_ACTION, 2 },
	{ "log-status", "log_status", FIELD_TEXT, 0, 0, COL_LOG_STATUS, 2 },
	{ "vpc-id", "vpc_id", FIELD_TEXT, 0, 0, COL_VPC_ID, 3 },
	{ "subnet-id", "subnet_id", FIELD_TEXT, 0, 0, COL_SUBNET_ID, 3 },
	{ "instance-id", "instance_id", FIELD_TEXT, 0, 0, COL_INSTANCE_ID, 3 },
	{ "tcp-flags", "tcp_flags", FIELD_INT32, 0, I32MAX, COL_TCP_FLAGS, 3 },
	{ "type", "type", FIELD_TEXT, 0, 0, COL_TYPE, 3 },
	{ "pkt-srcaddr", "pkt_srcaddr", FIELD_ADDR, 0, 0, COL_PKT_SRCADDR, 3 },
	{ "pkt-dstaddr", "pkt_dstaddr", FIELD_ADDR, 0, 0, COL_PKT_DSTADDR, 3 },
	{ "region", "region", FIELD_TEXT, 0, 0, COL_REGION, 4 },
	{ "az-id", "az_id", FIELD_TEXT, 0, 0, COL_AZ_ID, 4 },
	{ "sublocation-type", "sublocation_type", FIELD_TEXT, 0, 0,
	    COL_SUBLOCATION_TYPE, 4 },
	{ "sublocation-id", "sublocation_id", FIELD_TEXT, 0, 0,
	    COL_SUBLOCATION_ID, 4 },
	{ "pkt-src-aws-service", "pkt_src_aws_service", FIELD_TEXT, 0, 0,
	    COL_PKT_SRC_AWS_SERVICE, 5 },
	{ "pkt-dst-aws-service", "pkt_dst_aws_service", FIELD_TEXT, 0, 0,
	    COL_PKT_DST_AWS_SERVICE, 5 },
	{ "flow-direction", "flow_direction", FIELD_TEXT, 0, 0,
	    COL_FLOW_DIRECTION, 5 },
	{ "traffic-path", "traffic_path", FIELD_INT32, 0, I32MAX,
	    COL_TRAFFIC_PATH, 5 },
	{ "ecs-cluster-arn", "ecs_cluster_arn", FIELD_TEXT, 0, 0,
	    COL_ECS_CLUSTER_ARN, 7 },
	{ "ecs-cluster-name", "ecs_cluster_name", FIELD_TEXT, 0, 0,
	    COL_ECS_CLUSTER_NAME, 7 },
	{ "ecs-container-instance-arn", "ecs_container_instance_arn",
	    FIELD_TEXT, 0, 0, COL_ECS_CONTAINER_INSTANCE_ARN, 7 },
	{ "ecs-container-instance-id", "ecs_container_instance_id",
	    FIELD_TEXT, 0, 0, COL_ECS_CONTAINER_INSTANCE_ID, 7 },
	{ "ecs-container-id", "ecs_container_id", FIELD_TEXT, 0, 0,
	    COL_ECS_CONTAINER_ID, 7 },
	{ "ecs-second-container-id", "ecs_second_container_id", FIELD_TEXT,
	    0, 0, COL_ECS_SECOND_CONTAINER_ID, 7 },
	{ "ecs-service-name", "ecs_service_name", FIELD_TEXT, 0, 0,
	    COL_ECS_SERVICE_NAME, 7 },
	{ "ecs-task-definition-arn", "ecs_task_definition_arn", FIELD_TEXT,
	    0, 0, COL_ECS_TASK_DEFINITION_ARN, 7 },
	{ "ecs-task-arn", "ecs_task_arn", FIELD_TEXT, 0, 0, COL_ECS_TASK_ARN,
	    7 },
	{ "ecs-task-id", "ecs_task_id", FIELD_TEXT, 0, 0, COL_ECS_TASK_ID, 7 },
	{ "reject-reason", "reject_reason", FIELD_TEXT, 0, 0,
	    COL_REJECT_REASON, 8 },

	/* Known fields without a column: validated, then kept in `extra`. */
	{ "resource-type", "resource_type", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-id", "tgw_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-attachment-id", "tgw_attachment_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-src-vpc-account-id", "tgw_src_vpc_account_id", FIELD_TEXT, 0, 0,
	    -1, 6 },
	{ "tgw-dst-vpc-account-id", "tgw_dst_vpc_account_id", FIELD_TEXT, 0, 0,
	    -1, 6 },
	{ "tgw-src-vpc-id", "tgw_src_vpc_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-dst-vpc-id", "tgw_dst_vpc_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-src-subnet-id", "tgw_src_subnet_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-dst-subnet-id", "tgw_dst_subnet_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-src-eni", "tgw_src_eni", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-dst-eni", "tgw_dst_eni", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-src-az-id", "tgw_src_az_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-dst-az-id", "tgw_dst_az_id", FIELD_TEXT, 0, 0, -1, 6 },
	{ "tgw-pair-attachment-id", "tgw_pair_attachment_id", FIELD_TEXT, 0, 0,
	    -1, 6 },
	{ "packets-lost-no-route", "packets_lost_no_route", FIELD_INT64, 0,
	    I64MAX, -1, 6 },
	{ "packets-lost-blackhole", "packets_lost_blackhole", FIELD_INT64, 0,
	    I64MAX, -1, 6 },
	{ "packets-lost-mtu-exceeded", "packets_lost_mtu_exceeded",
	    FIELD_INT64, 0, I64MAX, -1, 6 },
	{ "packets-lost-ttl-expired", "packets_lost_ttl_expired", FIELD_INT64,
	    0, I64MAX, -1, 6 },
	{ "encryption-status", "encryption_status", FIELD_INT32, 0, I32MAX, -1,
	    9 },
	{ "resource-id", "resource_id", FIELD_TEXT, 0, 0, -1, 9 },
};

const struct field_def *
field_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++) {
		if (strncmp(fields[i].name, name, len) == 0 &&
		    fields[i].name[len] == '\0')
			return &fields[i];
	}
	return NULL;
}

const struct field_def *
field_for_column(int col)
{
	return &fields[col];
}

static uint64_t text_columns;
static pthread_once_t text_columns_once = PTHREAD_ONCE_INIT;

static void
init_text_columns(void)
{
	int col;

	for (col = 0; col < FLOW_COL_COUNT; col++)
		if (fields[col].type == FIELD_TEXT ||
		    fields[col].type == FIELD_ADDR)
			text_columns |= (uint64_t)1 << col;
}

uint64_t
field_text_columns(void)
{
	pthread_once(&text_columns_once, init_text_columns);
	return text_columns;
}

size_t
field_count(void)
{
	return ARRAY_LEN(fields);
}

const struct field_def *
field_at(size_t i)
{
	return i < ARRAY_LEN(fields) ? &fields[i] : NULL;
}

int
field_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > 64 || name[0] < 'a' || name[0] > 'z')
		return 0;
	for (i = 1; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return 0;
	}
	return 1;
}

const char *
field_sql_type(const struct field_def *f)
{
	switch (f->type) {
	case FIELD_INT32:
	case FIELD_INT64:
	case FIELD_TIME:
		return "INTEGER";
	default:
		return "TEXT";
	}
}
