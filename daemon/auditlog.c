#include "auditlog.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "wire.h"

#define LOG_LEVELS 64

struct auditlog {
	struct store *st;
	const struct keypair *sign;
	/* levels[0] are the leaf hashes; levels[k][i] is the root of leaves [i*2^k, (i+1)*2^k). */
	merkle_hash_t *levels[LOG_LEVELS];
	size_t caps[LOG_LEVELS];
	uint64_t n;
	char *cp_text; /* the last signed checkpoint, for cp_size */
	uint64_t cp_size;
};

json_t *
auditlog_hex(const uint8_t *data, size_t len)
{
	char *hex = malloc(2 * len + 1);
	json_t *j;

	if (hex == NULL)
		return NULL;
	sodium_bin2hex(hex, 2 * len + 1, data, len);
	j = json_string(hex);
	free(hex);
	return j;
}

json_t *
auditlog_b64(const uint8_t *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);
	json_t *j;

	if (b64 == NULL)
		return NULL;
	sodium_bin2base64(b64, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(b64);
	free(b64);
	return j;
}

/* The exact entry bytes: compact JSON with sorted keys, common fields added. */
static char *
s_serialize(const char *kind, json_t *fields, int64_t *at_ms)
{
	*at_ms = (int64_t)wire_now_ms();
	if (json_object_set_new(fields, "v", json_integer(1)) != 0 ||
	    json_object_set_new(fields, "kind", json_string(kind)) != 0 ||
	    json_object_set_new(fields, "at_ms", json_integer(*at_ms)) != 0)
		return NULL;
	return json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
}

int
auditlog_append_row(struct store *st, const char *kind, json_t *fields, uint64_t *index)
{
	merkle_hash_t leaf;
	int64_t at_ms;
	char *body = s_serialize(kind, fields, &at_ms);
	int r;

	if (body == NULL)
		return SYM_ERR_ALLOC;
	merkle_leaf_hash((const uint8_t *)body, strlen(body), leaf);
	r = store_log_append(st, kind, (const uint8_t *)body, strlen(body), leaf, at_ms, index);
	free(body);
	return r;
}

static int
s_reserve(struct auditlog *log, int level, size_t need)
{
	size_t cap = log->caps[level] ? log->caps[level] : 1024;
	merkle_hash_t *t;

	if (need <= log->caps[level])
		return SYM_OK;
	while (cap < need)
		cap *= 2;
	if ((t = realloc(log->levels[level], cap * sizeof(*t))) == NULL)
		return SYM_ERR_ALLOC;
	log->levels[level] = t;
	log->caps[level] = cap;
	return SYM_OK;
}

/* Add a leaf and every complete subtree it finishes. */
static int
s_push(void *arg, const uint8_t leaf[32])
{
	struct auditlog *log = arg;
	uint64_t n = log->n + 1, i;
	int k, r;

	if ((r = s_reserve(log, 0, (size_t)n)) != SYM_OK)
		return r;
	memcpy(log->levels[0][log->n], leaf, 32);
	for (k = 1; k < LOG_LEVELS && (n & ((UINT64_C(1) << k) - 1)) == 0; k++) {
		i = (n >> k) - 1;
		if ((r = s_reserve(log, k, (size_t)i + 1)) != SYM_OK)
			return r;
		merkle_node_hash(log->levels[k - 1][2 * i], log->levels[k - 1][2 * i + 1],
		                 log->levels[k][i]);
	}
	log->n = n;
	return SYM_OK;
}

int
auditlog_open(struct store *st, const struct keypair *sign, struct auditlog **out)
{
	struct auditlog *log = calloc(1, sizeof(*log));
	int r;

	*out = NULL;
	if (log == NULL)
		return SYM_ERR_ALLOC;
	log->st = st;
	log->sign = sign;
	if ((r = store_log_leaves(st, 0, s_push, log)) != SYM_OK) {
		auditlog_close(&log);
		return r;
	}
	*out = log;
	return SYM_OK;
}

void
auditlog_close(struct auditlog **lp)
{
	int k;

	if (lp == NULL || *lp == NULL)
		return;
	for (k = 0; k < LOG_LEVELS; k++)
		free((*lp)->levels[k]);
	free((*lp)->cp_text);
	free(*lp);
	*lp = NULL;
}

int
auditlog_sync(struct auditlog *log)
{
	return store_log_leaves(log->st, log->n, s_push, log);
}

void
auditlog_truncate(struct auditlog *log, uint64_t size)
{
	/* Complete subtrees past the new size are simply out of reach now. */
	if (size < log->n)
		log->n = size;
	if (log->cp_size > size) {
		free(log->cp_text);
		log->cp_text = NULL;
		log->cp_size = 0;
	}
}

uint64_t
auditlog_size(const struct auditlog *log)
{
	return log->n;
}

int
auditlog_append(struct auditlog *log, const char *kind, json_t *fields, uint64_t *index,
                uint8_t **bytes, size_t *len)
{
	merkle_hash_t leaf;
	int64_t at_ms;
	char *body = s_serialize(kind, fields, &at_ms);
	uint64_t idx = 0;
	int r;

	if (body == NULL)
		return SYM_ERR_ALLOC;
	merkle_leaf_hash((const uint8_t *)body, strlen(body), leaf);
	r = store_log_append(log->st, kind, (const uint8_t *)body, strlen(body), leaf, at_ms, &idx);
	if (r == SYM_OK && idx != log->n) {
		/*
		 * Another process (an operator's enroll) appended after we last
		 * looked: read everything up to and including our own entry.
		 */
		r = auditlog_sync(log);
		if (r == SYM_OK && log->n != idx + 1)
			r = SYM_ERR_INTERNAL;
	} else if (r == SYM_OK) {
		r = s_push(log, leaf);
	}
	if (r == SYM_OK) {
		*index = idx;
		if (bytes != NULL) {
			*bytes = (uint8_t *)body;
			*len = strlen(body);
			body = NULL; /* transferred */
		}
	}
	free(body);
	return r;
}

static int
s_is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static uint64_t
s_split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH of leaves [lo, hi), from stored complete subtrees where they apply. */
static void
s_range(const struct auditlog *log, uint64_t lo, uint64_t hi, merkle_hash_t out)
{
	uint64_t size = hi - lo, k;
	merkle_hash_t l, r;
	int level = 0;

	if (s_is_pow2(size) && lo % size == 0) {
		while ((UINT64_C(1) << level) < size)
			level++;
		memcpy(out, log->levels[level][lo >> level], 32);
		return;
	}
	k = s_split(size);
	s_range(log, lo, lo + k, l);
	s_range(log, lo + k, hi, r);
	merkle_node_hash(l, r, out);
}

void
auditlog_root(struct auditlog *log, uint64_t size, merkle_hash_t out)
{
	if (size == 0 || size > log->n) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	s_range(log, 0, size, out);
}

int
auditlog_checkpoint(struct auditlog *log, char **text)
{
	struct checkpoint cp;
	int r;

	*text = NULL;
	if (log->cp_text == NULL || log->cp_size != log->n) {
		memset(&cp, 0, sizeof(cp));
		checkpoint_origin(log->sign->pk, cp.origin);
		cp.size = log->n;
		auditlog_root(log, log->n, cp.root);
		free(log->cp_text);
		log->cp_text = NULL;
		if ((r = checkpoint_sign(&cp, log->sign->sk, log->sign->pk, &log->cp_text)) !=
		    SYM_OK)
			return r;
		log->cp_size = log->n;
	}
	if ((*text = strdup(log->cp_text)) == NULL)
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

/* RFC 6962 PATH(m, D[lo:hi]), leaf side first. */
static void
s_path(const struct auditlog *log, uint64_t m, uint64_t lo, uint64_t hi,
       merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *n)
{
	uint64_t k;

	if (hi - lo <= 1)
		return;
	k = s_split(hi - lo);
	if (m < k) {
		s_path(log, m, lo, lo + k, proof, n);
		s_range(log, lo + k, hi, proof[(*n)++]);
	} else {
		s_path(log, m - k, lo + k, hi, proof, n);
		s_range(log, lo, lo + k, proof[(*n)++]);
	}
}

int
auditlog_inclusion(struct auditlog *log, uint64_t index, uint64_t size,
                   merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *n)
{
	*n = 0;
	if (size > log->n || index >= size)
		return SYM_ERR_INVALID;
	s_path(log, index, 0, size, proof, n);
	return SYM_OK;
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b). */
static void
s_subproof(const struct auditlog *log, uint64_t m, uint64_t lo, uint64_t hi, int b,
           merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *n)
{
	uint64_t k;

	if (m == hi - lo) {
		if (!b)
			s_range(log, lo, hi, proof[(*n)++]);
		return;
	}
	k = s_split(hi - lo);
	if (m <= k) {
		s_subproof(log, m, lo, lo + k, b, proof, n);
		s_range(log, lo + k, hi, proof[(*n)++]);
	} else {
		s_subproof(log, m - k, lo + k, hi, 0, proof, n);
		s_range(log, lo, lo + k, proof[(*n)++]);
	}
}

int
auditlog_consistency(struct auditlog *log, uint64_t m, uint64_t n,
                     merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *len)
{
	*len = 0;
	if (m == 0 || m > n || n > log->n)
		return SYM_ERR_INVALID;
	s_subproof(log, m, 0, n, 1, proof, len);
	return SYM_OK;
}
