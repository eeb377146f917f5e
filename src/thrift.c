/*
 * thrift.c - see thrift.h.
 */
#include "thrift.h"

#include <stdlib.h>
#include <string.h>

void
tc_init(struct tc_writer *w)
{
	memset(w, 0, sizeof *w);
}

void
tc_reset(struct tc_writer *w)
{
	sbuf_reset(&w->out);
	memset(w->last, 0, sizeof w->last);
	w->depth = 0;
}

void
tc_free(struct tc_writer *w)
{
	sbuf_free(&w->out);
}

void
tc_varint(struct tc_writer *w, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	sbuf_append(&w->out, b, n);
}

static void
zigzag32(struct tc_writer *w, int32_t v)
{
	tc_varint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

static void
zigzag64(struct tc_writer *w, int64_t v)
{
	tc_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void
field_header(struct tc_writer *w, int16_t id, enum tc_type t)
{
	int delta = id - w->last[w->depth];

	if (delta > 0 && delta <= 15) {
		sbuf_appendc(&w->out, (char)(delta << 4 | t));
	} else {
		sbuf_appendc(&w->out, (char)t);
		zigzag32(w, id);
	}
	w->last[w->depth] = id;
}

void
tc_i8(struct tc_writer *w, int16_t id, int8_t v)
{
	field_header(w, id, TC_BYTE);
	sbuf_appendc(&w->out, (char)v);
}

void
tc_i16(struct tc_writer *w, int16_t id, int16_t v)
{
	field_header(w, id, TC_I16);
	zigzag32(w, v);
}

void
tc_i32(struct tc_writer *w, int16_t id, int32_t v)
{
	field_header(w, id, TC_I32);
	zigzag32(w, v);
}

void
tc_i64(struct tc_writer *w, int16_t id, int64_t v)
{
	field_header(w, id, TC_I64);
	zigzag64(w, v);
}

void
tc_bool(struct tc_writer *w, int16_t id, int v)
{
	field_header(w, id, v ? TC_BOOL_TRUE : TC_BOOL_FALSE);
}

void
tc_binary(struct tc_writer *w, int16_t id, const void *p, size_t n)
{
	field_header(w, id, TC_BINARY);
	tc_varint(w, n);
	sbuf_append(&w->out, p, n);
}

void
tc_string(struct tc_writer *w, int16_t id, const char *s)
{
	tc_binary(w, id, s, strlen(s));
}

static void
push(struct tc_writer *w)
{
	if (w->depth + 1 >= TC_MAX_DEPTH)
		abort();	/* a programming error: Parquet nests 4 deep */
	w->last[++w->depth] = 0;
}

void
tc_struct_begin(struct tc_writer *w, int16_t id)
{
	field_header(w, id, TC_STRUCT);
	push(w);
}

void
tc_elem_struct_begin(struct tc_writer *w)
{
	push(w);
}

void
tc_struct_end(struct tc_writer *w)
{
	sbuf_appendc(&w->out, 0);
	if (w->depth > 0)
		w->depth--;
}

void
tc_list_begin(struct tc_writer *w, int16_t id, enum tc_type elem, uint32_t n)
{
	field_header(w, id, TC_LIST);
	if (n < 15) {
		sbuf_appendc(&w->out, (char)(n << 4 | elem));
	} else {
		sbuf_appendc(&w->out, (char)(0xF0 | elem));
		tc_varint(w, n);
	}
}

void
tc_elem_i32(struct tc_writer *w, int32_t v)
{
	zigzag32(w, v);
}

void
tc_elem_string(struct tc_writer *w, const char *s)
{
	size_t n = strlen(s);

	tc_varint(w, n);
	sbuf_append(&w->out, s, n);
}

void
tc_stop(struct tc_writer *w)
{
	sbuf_appendc(&w->out, 0);
}
