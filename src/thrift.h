/*
 * thrift.h - a Thrift Compact Protocol encoder, just enough for Parquet
 * metadata (page headers, the file footer).
 *
 * The caller names the wire type of every field through the function it
 * calls (tc_i32 for an IDL i32 or enum, tc_i64 for i64, tc_i16 for i16, ...):
 * strict readers (DuckDB, parquet-java) drop a field whose wire type differs
 * from the IDL, so the encoder never guesses a type from a value.  Fields of
 * a struct must be written in ascending id order.  Output goes to a growable
 * buffer; nothing here fails except allocation (which aborts, see util.h).
 */
#ifndef FLOWLENS_THRIFT_H
#define FLOWLENS_THRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define TC_MAX_DEPTH 16

/* Compact protocol type nibbles. */
enum tc_type {
	TC_BOOL_TRUE = 1, TC_BOOL_FALSE = 2, TC_BYTE = 3, TC_I16 = 4,
	TC_I32 = 5, TC_I64 = 6, TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9,
	TC_SET = 10, TC_MAP = 11, TC_STRUCT = 12,
};

struct tc_writer {
	struct sbuf out;		/* the encoded bytes */
	int16_t     last[TC_MAX_DEPTH];	/* previous field id per nesting level */
	int         depth;
};

/* Start a writer (empty output, top-level struct context). */
void tc_init(struct tc_writer *w);
/* Forget the output but keep its memory, for the next message. */
void tc_reset(struct tc_writer *w);
void tc_free(struct tc_writer *w);

/* Unsigned LEB128 varint. */
void tc_varint(struct tc_writer *w, uint64_t v);

/* Fields of the current struct: header (short or long form) plus value. */
void tc_i8(struct tc_writer *w, int16_t id, int8_t v);
void tc_i16(struct tc_writer *w, int16_t id, int16_t v);
void tc_i32(struct tc_writer *w, int16_t id, int32_t v);
void tc_i64(struct tc_writer *w, int16_t id, int64_t v);
void tc_bool(struct tc_writer *w, int16_t id, int v);
void tc_binary(struct tc_writer *w, int16_t id, const void *p, size_t n);
void tc_string(struct tc_writer *w, int16_t id, const char *s);

/* A nested struct field: begin, its fields, end (writes the stop byte). */
void tc_struct_begin(struct tc_writer *w, int16_t id);
void tc_struct_end(struct tc_writer *w);

/* A list field header of n elements of type elem. */
void tc_list_begin(struct tc_writer *w, int16_t id, enum tc_type elem,
    uint32_t n);
/* List elements: raw values without field headers. */
void tc_elem_i32(struct tc_writer *w, int32_t v);
void tc_elem_string(struct tc_writer *w, const char *s);
/* A struct element of a list: begin, its fields, tc_struct_end(). */
void tc_elem_struct_begin(struct tc_writer *w);

/* End the top-level struct (stop byte). */
void tc_stop(struct tc_writer *w);

#endif
