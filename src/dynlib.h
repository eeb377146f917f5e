/*
 * dynlib.h - libraries that only some commands need, loaded on first use.
 *
 * libcurl (with libcrypto), libmicrohttpd and libsnappy bring some thirty
 * shared objects with them (GnuTLS, Kerberos, LDAP, libstdc++, ...).
 * Linked into the binary, the dynamic loader binds all their symbols
 * before main() on every run: about 15 M instructions, most of a short
 * `flowlens query`, which then started three times slower than the sqlite3
 * CLI.  So these four are opened with dlopen() by the module that needs
 * them, the first time it needs them, and called through the tables below
 * (`dyn_curl.easy_init()` instead of `curl_easy_init()`).  Their headers are
 * still used at build time: every pointer has the type of the function it
 * stands for, so calls are type-checked as usual.
 *
 * Each dyn_*_load() is idempotent and thread-safe; it returns 0 when the
 * table is usable, or -1 with *err set to an allocated message that names
 * the library and the Debian package to install (caller frees).  A table
 * must not be used before its load returned 0.
 */
#ifndef FLOWLENS_DYNLIB_H
#define FLOWLENS_DYNLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <snappy-c.h>

#define DYN_FN(name) __typeof__(name) *

/* libcurl: the AWS client (aws.c). */
struct dyn_curl {
	DYN_FN(curl_global_init) global_init;
	DYN_FN(curl_global_cleanup) global_cleanup;
	DYN_FN(curl_easy_init) easy_init;
	DYN_FN(curl_easy_setopt) easy_setopt;
	DYN_FN(curl_easy_perform) easy_perform;
	DYN_FN(curl_easy_getinfo) easy_getinfo;
	DYN_FN(curl_easy_reset) easy_reset;
	DYN_FN(curl_easy_cleanup) easy_cleanup;
	DYN_FN(curl_easy_strerror) easy_strerror;
	DYN_FN(curl_slist_append) slist_append;
	DYN_FN(curl_slist_free_all) slist_free_all;
};
extern struct dyn_curl dyn_curl;
int dyn_curl_load(char **err);

/* libcrypto: SHA-256, MD5 and base64 for SigV4 payloads and S3 (aws.c,
 * s3.c). */
struct dyn_crypto {
	DYN_FN(EVP_sha256) sha256;
	DYN_FN(EVP_md5) md5;
	DYN_FN(EVP_Digest) digest;
	DYN_FN(EVP_MD_CTX_new) md_ctx_new;
	DYN_FN(EVP_MD_CTX_free) md_ctx_free;
	DYN_FN(EVP_DigestInit_ex) digest_init_ex;
	DYN_FN(EVP_DigestUpdate) digest_update;
	DYN_FN(EVP_DigestFinal_ex) digest_final_ex;
	DYN_FN(EVP_EncodeBlock) encode_block;
};
extern struct dyn_crypto dyn_crypto;
int dyn_crypto_load(char **err);

/* libmicrohttpd: the Firehose endpoint (firehose.c). */
struct dyn_mhd {
	DYN_FN(MHD_is_feature_supported) is_feature_supported;
	DYN_FN(MHD_start_daemon) start_daemon;
	DYN_FN(MHD_stop_daemon) stop_daemon;
	DYN_FN(MHD_quiesce_daemon) quiesce_daemon;
	DYN_FN(MHD_get_daemon_info) get_daemon_info;
	DYN_FN(MHD_lookup_connection_value_n) lookup_connection_value_n;
	DYN_FN(MHD_suspend_connection) suspend_connection;
	DYN_FN(MHD_resume_connection) resume_connection;
	DYN_FN(MHD_create_response_from_buffer) create_response_from_buffer;
	DYN_FN(MHD_add_response_header) add_response_header;
	DYN_FN(MHD_queue_response) queue_response;
	DYN_FN(MHD_destroy_response) destroy_response;
};
extern struct dyn_mhd dyn_mhd;
int dyn_mhd_load(char **err);

/* libsnappy: the SNAPPY archive codec (parquet.c). */
struct dyn_snappy {
	DYN_FN(snappy_compress) compress;
	DYN_FN(snappy_max_compressed_length) max_compressed_length;
};
extern struct dyn_snappy dyn_snappy;
int dyn_snappy_load(char **err);

#endif
