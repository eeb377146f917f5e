/*
 * dynlib.c - see dynlib.h.
 *
 * Each library is described by its soname, the Debian package that ships
 * it, and its symbols in the order of the table's members.  The sonames
 * are the ABI versions of the headers we build against; the #if checks
 * below stop the build if a header of another ABI is found.
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#if OPENSSL_VERSION_MAJOR != 3
#error "dynlib.c loads libcrypto.so.3: update its soname for this OpenSSL"
#endif
#if LIBCURL_VERSION_MAJOR < 7 || LIBCURL_VERSION_MAJOR > 8
#error "dynlib.c loads libcurl.so.4: check the soname of this libcurl"
#endif

struct dyn_curl dyn_curl;
struct dyn_crypto dyn_crypto;
struct dyn_mhd dyn_mhd;
struct dyn_snappy dyn_snappy;

struct dyn_lib {
	const char *soname;
	const char *package;	/* Debian package that ships it */
	const char *purpose;	/* what it is needed for, for the error */
	const char *const *symbols;
	void *table;		/* array of function pointers */
	size_t nsymbols;
	pthread_mutex_t lock;
	int state;		/* 0 not tried, 1 loaded, -1 failed */
	char *error;
};

static const char *const curl_symbols[] = {
	"curl_global_init", "curl_global_cleanup", "curl_easy_init",
	"curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo",
	"curl_easy_reset", "curl_easy_cleanup", "curl_easy_strerror",
	"curl_slist_append", "curl_slist_free_all",
};
static const char *const crypto_symbols[] = {
	"EVP_sha256", "EVP_md5", "EVP_Digest", "EVP_MD_CTX_new",
	"EVP_MD_CTX_free", "EVP_DigestInit_ex", "EVP_DigestUpdate",
	"EVP_DigestFinal_ex", "EVP_EncodeBlock",
};
static const char *const mhd_symbols[] = {
	"MHD_is_feature_supported", "MHD_start_daemon", "MHD_stop_daemon",
	"MHD_quiesce_daemon", "MHD_get_daemon_info",
	"MHD_lookup_connection_value_n", "MHD_suspend_connection",
	"MHD_resume_connection", "MHD_create_response_from_buffer",
	"MHD_add_response_header", "MHD_queue_response",
	"MHD_destroy_response",
};
static const char *const snappy_symbols[] = {
	"snappy_compress", "snappy_max_compressed_length",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The tables are arrays of function pointers in the symbols' order. */
_Static_assert(sizeof(struct dyn_curl) ==
    NELEM(curl_symbols) * sizeof(void (*)(void)), "curl table");
_Static_assert(sizeof(struct dyn_crypto) ==
    NELEM(crypto_symbols) * sizeof(void (*)(void)), "crypto table");
_Static_assert(sizeof(struct dyn_mhd) ==
    NELEM(mhd_symbols) * sizeof(void (*)(void)), "mhd table");
_Static_assert(sizeof(struct dyn_snappy) ==
    NELEM(snappy_symbols) * sizeof(void (*)(void)), "snappy table");

static struct dyn_lib curl_lib = {
	"libcurl.so.4", "libcurl4", "the AWS sources",
	curl_symbols, &dyn_curl, NELEM(curl_symbols),
	PTHREAD_MUTEX_INITIALIZER, 0, NULL,
};
static struct dyn_lib crypto_lib = {
	"libcrypto.so.3", "libssl3", "AWS request signing",
	crypto_symbols, &dyn_crypto, NELEM(crypto_symbols),
	PTHREAD_MUTEX_INITIALIZER, 0, NULL,
};
static struct dyn_lib mhd_lib = {
	"libmicrohttpd.so.12", "libmicrohttpd12", "the Firehose endpoint",
	mhd_symbols, &dyn_mhd, NELEM(mhd_symbols),
	PTHREAD_MUTEX_INITIALIZER, 0, NULL,
};
static struct dyn_lib snappy_lib = {
	"libsnappy.so.1", "libsnappy1v5", "the SNAPPY archive codec",
	snappy_symbols, &dyn_snappy, NELEM(snappy_symbols),
	PTHREAD_MUTEX_INITIALIZER, 0, NULL,
};

/* Open l->soname and fill its table; on failure the table stays zeroed
 * and l->error says why. */
static void
open_lib(struct dyn_lib *l)
{
	void (**slot)(void) = l->table;
	void *h;
	size_t i;

	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		l->error = xasprintf("cannot load %s, needed for %s (%s); "
		    "install it with: apt-get install %s", l->soname,
		    l->purpose, dlerror(), l->package);
		l->state = -1;
		return;
	}
	for (i = 0; i < l->nsymbols; i++) {
		void *p = dlsym(h, l->symbols[i]);

		if (p == NULL) {
			l->error = xasprintf("%s has no %s: it is older than "
			    "the headers flowlens was built with; update %s",
			    l->soname, l->symbols[i], l->package);
			memset(l->table, 0, l->nsymbols * sizeof *slot);
			l->state = -1;
			return;	/* h stays open: harmless, and rare */
		}
		/* POSIX guarantees a data pointer from dlsym() converts. */
		memcpy(&slot[i], &p, sizeof p);
	}
	l->state = 1;
}

static int
load(struct dyn_lib *l, char **err)
{
	int rc;

	pthread_mutex_lock(&l->lock);
	if (l->state == 0)
		open_lib(l);
	rc = l->state > 0 ? 0 : -1;
	if (rc < 0 && err)
		*err = xstrdup(l->error);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
dyn_curl_load(char **err)
{
	return load(&curl_lib, err);
}

int
dyn_crypto_load(char **err)
{
	return load(&crypto_lib, err);
}

int
dyn_mhd_load(char **err)
{
	return load(&mhd_lib, err);
}

int
dyn_snappy_load(char **err)
{
	return load(&snappy_lib, err);
}
