/*
 * symbi-forge: a test-only tool for the audit tests (never installed).
 *
 *   symbi-forge resign --park PARK --export DIR [--size N] [--root HEX]
 *       Recompute the Merkle tree over DIR/entries.jsonl and write a new
 *       DIR/checkpoint signed with PARK/keys/coordinator.key: a malicious
 *       coordinator that rewrites its own log and signs the result, so that
 *       only symbi-audit's rules (not the signature) can catch the rewrite.
 *       --size and --root sign other values than the recomputed ones (a
 *       checkpoint that does not describe the exported log).
 *
 *   symbi-forge fake --out DIR [--park PARK] [--members N] [--no-end]
 *       Build a small, consistent export without a daemon, with the real
 *       crypto: a CA and N members (one more enrolled and revoked), one round
 *       with random token batches that share a few tokens, a replaced
 *       submission, the matching, declines, accepts, releases, one candidate
 *       left unanswered, and (without --no-end) the round's end. With --park
 *       the coordinator key is saved as PARK/keys/coordinator.key for resign.
 *       --fixed N announces sets of exactly N tokens (protocol 1.1) and makes
 *       them so; --bad-size then gives co-a's offers for co-b one more.
 *
 *   symbi-forge weak-csr --id ID --key x25519|curve --out FILE
 *       A certificate request whose X25519 agreement or CURVE key is a point
 *       of order 8, bound by a real identity key's signature: a member who
 *       would make every pair key with it predictable (the enrolment test).
 *
 *   symbi-forge site-csr --id ID --lat N --lon N --out FILE
 *       A certificate request whose member keys extension (version 2) holds
 *       the site N, N in hundredths of a degree, whatever they are (-9001:
 *       90.01 degrees south), self-signed and bound by its identity key as
 *       symbi init would: the request file an operator must not trust.
 *
 *   symbi-forge weak-member --park PARK --id ID
 *       A coordinator whose CA signs a low-order X25519 key anyway: a real
 *       certificate, re-signed by PARK's CA key with such a key in its member
 *       keys extension, added to PARK's store and logged as an enrolment.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "auditlog.h"
#include "cert.h"
#include "checkpoint.h"
#include "keyfile.h"
#include "keys.h"
#include "merkle.h"
#include "park.h"
#include "parkinfo.h"
#include "protocol.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"
#include "roundhash.h"

#define S_MAX_MEMBERS 16
#define S_LOG_MAX (1u << 30)

/* ---- resign ------------------------------------------------------------------ */

static int
s_leaves(const char *buf, size_t len, merkle_hash_t **out, uint64_t *n)
{
	merkle_hash_t *leaves;
	size_t i, start = 0, count = 0;

	for (i = 0; i < len; i++)
		count += buf[i] == '\n';
	if ((leaves = calloc(count + 2, sizeof(*leaves))) == NULL)
		return SYM_ERR_ALLOC;
	count = 0;
	for (i = 0; i <= len; i++) {
		/* A last line without its newline still counts: a forger signs what is there. */
		if (i == len ? i > start : buf[i] == '\n') {
			merkle_leaf_hash((const uint8_t *)buf + start, i - start, leaves[count++]);
			start = i + 1;
		}
	}
	*out = leaves;
	*n = count;
	return SYM_OK;
}

static int
s_resign(int argc, char **argv)
{
	static const struct option opts[] = {{"park", required_argument, NULL, 'p'},
	                                     {"export", required_argument, NULL, 'e'},
	                                     {"size", required_argument, NULL, 's'},
	                                     {"root", required_argument, NULL, 'r'},
	                                     {NULL, 0, NULL, 0}};
	const char *park = NULL, *dir = NULL, *size_arg = NULL, *root_arg = NULL;
	struct sym_diag diag = {""};
	struct keypair *kp = NULL;
	struct checkpoint cp;
	merkle_hash_t *leaves = NULL;
	char path[PATH_MAX], *buf = NULL, *text = NULL;
	size_t len = 0;
	uint64_t n = 0;
	int c, r, rc = EXIT_SOFTWARE;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': park = optarg; break;
		case 'e': dir = optarg; break;
		case 's': size_arg = optarg; break;
		case 'r': root_arg = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (park == NULL || dir == NULL || optind != argc) {
		fprintf(stderr, "usage: symbi-forge resign --park PARK --export DIR [--size N] "
		                "[--root HEX]\n");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/entries.jsonl", dir);
	if ((r = util_read_file(path, S_LOG_MAX, &buf, &len)) != SYM_OK) {
		fprintf(stderr, "symbi-forge: %s: %s\n", path, sym_strerror(r));
		return EXIT_NOINPUT;
	}
	if ((r = s_leaves(buf, len, &leaves, &n)) != SYM_OK)
		goto out;
	memset(&cp, 0, sizeof(cp));
	cp.size = n;
	if ((r = merkle_root((const merkle_hash_t *)leaves, n, cp.root)) != SYM_OK)
		goto out;
	if (size_arg != NULL)
		cp.size = strtoull(size_arg, NULL, 10);
	if (root_arg != NULL && util_unhex(root_arg, cp.root, 32) != SYM_OK) {
		fprintf(stderr, "symbi-forge: --root: 64 hex digits\n");
		rc = EXIT_USAGE;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/keys/coordinator.key", park);
	if ((r = keyfile_load(path, KEY_ED25519, &kp, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi-forge: %s\n", diag.msg);
		rc = EXIT_NOINPUT;
		goto out;
	}
	checkpoint_origin(kp->pk, cp.origin);
	if ((r = checkpoint_sign(&cp, kp->sk, kp->pk, &text)) != SYM_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	if ((r = util_write_file(path, text, strlen(text), 0644, 0)) != SYM_OK) {
		fprintf(stderr, "symbi-forge: %s: %s\n", path, sym_strerror(r));
		rc = EXIT_CANTCREAT;
		goto out;
	}
	rc = 0;
out:
	if (rc == EXIT_SOFTWARE)
		fprintf(stderr, "symbi-forge: %s\n", sym_strerror(r));
	keys_free(&kp);
	free(leaves);
	free(buf);
	free(text);
	return rc;
}

/* ---- fake ------------------------------------------------------------------- */

struct s_member {
	char id[16], name[32];
	struct keypair *ed, *x, *curve;
	uint8_t *der;
	size_t der_len;
	uint8_t fp[32];
};

struct s_set {
	uint8_t *b; /* n * 8 bytes, sorted big-endian tokens */
	size_t n;
};

struct s_cand {
	uint8_t id[16], token[8];
	int sup, con;
};

struct s_fake {
	const char *out;
	FILE *entries;
	merkle_hash_t leaves[4096];
	uint64_t nleaves;
	uint64_t now;
	struct keypair *coord, *ca;
	uint8_t park_id[32]; /* the requests are signed for this park */
	struct s_member m[S_MAX_MEMBERS + 1];
	int nm;
	uint8_t round[16];
	/* offers[i][j] = O(i -> j), needs[i][j] = N(i <- j) */
	struct s_set offers[S_MAX_MEMBERS][S_MAX_MEMBERS], needs[S_MAX_MEMBERS][S_MAX_MEMBERS];
	struct s_cand cands[S_MAX_MEMBERS * S_MAX_MEMBERS * 4];
	int ncands;
	uint32_t fixed; /* --fixed N: the round announces it and every set has N tokens */
	int bad_size;   /* --bad-size: but co-a's offers for co-b have one more */
};

static json_t *
s_hex(const uint8_t *b, size_t len)
{
	char buf[2 * 64 + 1];

	util_hex(b, len, buf);
	return json_string(buf);
}

static json_t *
s_b64(const uint8_t *b, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *buf = malloc(cap);
	json_t *j;

	if (buf == NULL)
		return NULL;
	sodium_bin2base64(buf, cap, b, len, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(buf);
	free(buf);
	return j;
}

/* Append an entry (fields is consumed) as FORMAT.md writes it: compact, sorted keys. */
static int
s_append(struct s_fake *f, const char *kind, json_t *fields)
{
	char *text;
	int r = SYM_ERR_INTERNAL;

	if (fields == NULL || f->nleaves >= sizeof(f->leaves) / sizeof(f->leaves[0]))
		goto out;
	json_object_set_new(fields, "v", json_integer(1));
	json_object_set_new(fields, "kind", json_string(kind));
	json_object_set_new(fields, "at_ms", json_integer((json_int_t)f->now));
	f->now += 7;
	if ((text = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	merkle_leaf_hash((const uint8_t *)text, strlen(text), f->leaves[f->nleaves++]);
	r = fprintf(f->entries, "%s\n", text) < 0 ? SYM_ERR_IO : SYM_OK;
	free(text);
out:
	json_decref(fields);
	return r;
}

static int
s_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n random tokens plus `shared`, sorted and de-duplicated, big-endian. */
static int
s_set_make(struct s_set *s, size_t n, const uint64_t *shared, size_t nshared)
{
	uint64_t *v = calloc(n + nshared + 1, sizeof(*v));
	size_t i, k = 0;

	if (v == NULL || (s->b = calloc(n + nshared + 1, 8)) == NULL) {
		free(v);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < n; i++)
		randombytes_buf(&v[i], sizeof(v[i]));
	for (i = 0; i < nshared; i++)
		v[n + i] = shared[i];
	qsort(v, n + nshared, sizeof(*v), s_u64_cmp);
	for (i = 0; i < n + nshared; i++) {
		if (k > 0 && v[i] == v[i - 1])
			continue;
		for (int b = 0; b < 8; b++)
			s->b[8 * k + (size_t)b] = (uint8_t)(v[i] >> (56 - 8 * b));
		k++;
	}
	s->n = k;
	free(v);
	return SYM_OK;
}

static int
s_member_make(struct s_fake *f, struct s_member *m, const char *ca_pem, uint64_t serial)
{
	struct sym_diag diag = {""};
	char *csr = NULL, *cert = NULL;
	int r;

	m->ed = keys_generate(KEY_ED25519);
	m->x = keys_generate(KEY_X25519);
	m->curve = keys_generate(KEY_CURVE);
	if (m->ed == NULL || m->x == NULL || m->curve == NULL)
		return SYM_ERR_ALLOC;
	if ((r = cert_csr_create(m->ed, m->id, m->name, m->x->pk, m->curve->pk, NULL, &csr)) !=
	        SYM_OK ||
	    (r = cert_issue(ca_pem, f->ca, csr, strlen(csr), serial, 365, &cert, &diag)) !=
	        SYM_OK ||
	    (r = cert_pem_to_der(cert, strlen(cert), &m->der, &m->der_len)) != SYM_OK)
		goto out;
	crypto_hash_sha256(m->fp, m->der, m->der_len);
	r = s_append(f, "member_enrolled",
	             json_pack("{s:s, s:s, s:o, s:o}", "id", m->id, "name", m->name, "certificate",
	                       s_b64(m->der, m->der_len), "fingerprint", s_hex(m->fp, 32)));
out:
	if (r != SYM_OK && diag.msg[0] != '\0')
		fprintf(stderr, "symbi-forge: %s\n", diag.msg);
	free(csr);
	free(cert);
	return r;
}

static int
s_announce(struct s_fake *f, int nm)
{
	Symbiod__RoundAnnouncement ann = SYMBIOD__ROUND_ANNOUNCEMENT__INIT;
	Symbiod__PaddingPolicy pad = SYMBIOD__PADDING_POLICY__INIT;
	const struct member_record *recs[S_MAX_MEMBERS];
	struct member_record rec[S_MAX_MEMBERS];
	uint8_t dir_hash[32], tax[32], sig[64], *packed = NULL;
	size_t len = 0;
	int i, r;

	/* Ids are co-a, co-b, ...: index order is id order, as the hash wants. */
	for (i = 0; i < nm; i++) {
		memset(&rec[i], 0, sizeof(rec[i]));
		snprintf(rec[i].id, sizeof(rec[i].id), "%s", f->m[i].id);
		memcpy(rec[i].fingerprint, f->m[i].fp, 32);
		recs[i] = &rec[i];
	}
	roundhash_directory(recs, (size_t)nm, dir_hash);
	randombytes_buf(f->round, 16);
	randombytes_buf(tax, 32);
	pad.offer_tokens = 4;
	pad.need_tokens = 2;
	pad.quantum = 1;
	ann.round_id.data = f->round;
	ann.round_id.len = 16;
	ann.directory_hash.data = dir_hash;
	ann.directory_hash.len = 32;
	ann.taxonomy_hash.data = tax;
	ann.taxonomy_hash.len = 32;
	ann.padding = &pad;
	ann.max_items = 10;
	ann.opened_ms = f->now;
	if (f->fixed > 0) {
		ann.has_fixed_size = ann.has_max_offer = ann.has_max_need = 1;
		ann.fixed_size = ann.max_offer = ann.max_need = f->fixed;
	}
	ann.phase = (char *)"open";
	if ((r = protocol_announcement_sign(&ann, f->coord->sk, sig)) != SYM_OK ||
	    (r = wire_pack(&ann.base, &packed, &len)) != SYM_OK)
		return r;
	r = s_append(f, "round_opened",
	             json_pack("{s:o, s:o}", "round", s_hex(f->round, 16), "announcement",
	                       s_b64(packed, len)));
	free(packed);
	return r;
}

/* One submission of member i: its current sets, committed and signed. */
static int
s_submit(struct s_fake *f, int i, int nm)
{
	Symbiod__SubmitCommit sc = SYMBIOD__SUBMIT_COMMIT__INIT;
	uint8_t digests[S_MAX_MEMBERS][32], sub_id[16], commitment[32];
	uint8_t *payload = NULL, *req = NULL;
	size_t plen = 0, rlen = 0, n = 0;
	json_t *batches = json_array();
	int j, r;

	if (batches == NULL)
		return SYM_ERR_ALLOC;
	for (j = 0; j < nm; j++) {
		if (j == i)
			continue;
		if ((r = roundhash_batch_digest(f->m[j].id, f->offers[i][j].b,
		                                8 * f->offers[i][j].n, f->needs[i][j].b,
		                                8 * f->needs[i][j].n, digests[n])) != SYM_OK)
			goto out;
		json_array_append_new(batches, json_pack("{s:s, s:o}", "counterpart", f->m[j].id,
		                                         "digest", s_hex(digests[n], 32)));
		n++;
	}
	randombytes_buf(sub_id, 16);
	roundhash_commitment(f->round, sub_id, (const uint8_t(*)[32])digests, n, commitment);
	sc.round_id.data = f->round;
	sc.round_id.len = 16;
	sc.submission_id.data = sub_id;
	sc.submission_id.len = 16;
	sc.commitment.data = commitment;
	sc.commitment.len = 32;
	if ((r = wire_pack(&sc.base, &payload, &plen)) != SYM_OK ||
	    (r = wire_request_build(f->park_id, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, NULL, f->now,
	                            f->m[i].id, f->m[i].ed->sk, payload, plen, &req, &rlen,
	                            NULL)) != SYM_OK)
		goto out;
	r = s_append(f, "submission",
	             json_pack("{s:o, s:s, s:o, s:o, s:O, s:o}", "round", s_hex(f->round, 16),
	                       "member", f->m[i].id, "submission", s_hex(sub_id, 16), "commitment",
	                       s_hex(commitment, 32), "batches", batches, "request",
	                       s_b64(req, rlen)));
out:
	json_decref(batches);
	free(payload);
	free(req);
	return r;
}

static void
s_sets_free(struct s_fake *f, int nm)
{
	int i, j;

	for (i = 0; i < nm; i++) {
		for (j = 0; j < nm; j++) {
			free(f->offers[i][j].b);
			free(f->needs[i][j].b);
			f->offers[i][j].b = f->needs[i][j].b = NULL;
		}
	}
}

/* Random sets for every ordered pair; supplier i shares (i + 2j + 1) % 3 tokens with j. */
static int
s_sets_make(struct s_fake *f, int nm, int with_shared)
{
	uint64_t shared[2];
	size_t no, nn;
	int i, j, k, ns, r;

	s_sets_free(f, nm);
	for (i = 0; i < nm; i++) {
		for (j = 0; j < nm; j++) {
			if (i == j)
				continue;
			ns = with_shared ? (i + 2 * j + 1) % 3 : 0;
			for (k = 0; k < ns; k++)
				randombytes_buf(&shared[k], sizeof(shared[k]));
			/* O(i -> j) and N(j <- i) meet in the shared tokens. */
			no = f->fixed > 0 ? f->fixed - (size_t)ns : 5;
			nn = f->fixed > 0 ? f->fixed - (size_t)ns : 3;
			if (f->bad_size && i == 0 && j == 1)
				no++;
			if ((r = s_set_make(&f->offers[i][j], no, shared, (size_t)ns)) != SYM_OK ||
			    (r = s_set_make(&f->needs[j][i], nn, shared, (size_t)ns)) != SYM_OK)
				return r;
		}
	}
	return SYM_OK;
}

static int
s_match(struct s_fake *f, int sup, int con)
{
	const struct s_set *o = &f->offers[sup][con], *n = &f->needs[con][sup];
	uint8_t hits[8 * 16], hh[32];
	size_t a = 0, b = 0, nh = 0, k;
	json_t *list;
	int c;

	while (a < o->n && b < n->n && nh < 16) {
		c = memcmp(o->b + 8 * a, n->b + 8 * b, 8);
		if (c == 0) {
			memcpy(hits + 8 * nh++, o->b + 8 * a, 8);
			a++;
			b++;
		} else if (c < 0) {
			a++;
		} else {
			b++;
		}
	}
	if (nh == 0)
		return SYM_OK;
	if ((list = json_array()) == NULL)
		return SYM_ERR_ALLOC;
	for (k = 0; k < nh; k++) {
		struct s_cand *cd = &f->cands[f->ncands++];
		memcpy(cd->token, hits + 8 * k, 8);
		cd->sup = sup;
		cd->con = con;
		roundhash_candidate_id(f->round, f->m[sup].id, f->m[con].id, cd->token, cd->id);
		json_array_append_new(list, json_pack("{s:o, s:o}", "id", s_hex(cd->id, 16),
		                                      "token", s_hex(cd->token, 8)));
	}
	roundhash_hits(f->round, f->m[sup].id, f->m[con].id, hits, nh, hh);
	return s_append(f, "pair_matched",
	                json_pack("{s:o, s:s, s:s, s:I, s:o, s:o}", "round", s_hex(f->round, 16),
	                          "supplier", f->m[sup].id, "consumer", f->m[con].id, "count",
	                          (json_int_t)nh, "hits_hash", s_hex(hh, 32), "candidates", list));
}

struct s_answer {
	uint8_t consent[32], envelope[32];
};

static int
s_consent(struct s_fake *f, const struct s_cand *cd, int who, int accept, struct s_answer *ans)
{
	Symbiod__Consent cs = SYMBIOD__CONSENT__INIT;
	uint8_t rid[16], sig[64], *payload = NULL, *sb = NULL;
	size_t plen = 0, sblen = 0;
	int r;

	randombytes_buf(rid, sizeof(rid));
	cs.round_id.data = f->round;
	cs.round_id.len = 16;
	cs.candidate_id.data = (uint8_t *)cd->id;
	cs.candidate_id.len = 16;
	cs.accept = accept;
	if ((r = wire_pack(&cs.base, &payload, &plen)) != SYM_OK ||
	    (r = wire_request_signed_bytes(f->park_id, WIRE_VERSION, SYMBIOD__MSG_TYPE__MSG_CONSENT,
	                                   rid, f->now, f->m[who].id, payload, plen, &sb,
	                                   &sblen)) != SYM_OK)
		goto out;
	crypto_sign_detached(sig, NULL, sb, sblen, f->m[who].ed->sk);
	crypto_hash_sha256(ans->consent, sb, sblen);
	r = s_append(f, "consent",
	             json_pack("{s:o, s:o, s:s, s:b, s:o, s:I, s:o, s:o}", "round",
	                       s_hex(f->round, 16), "candidate", s_hex(cd->id, 16), "member",
	                       f->m[who].id, "accept", accept, "request_id", s_hex(rid, 16),
	                       "timestamp_ms", (json_int_t)f->now, "signature", s_hex(sig, 64),
	                       "statement", s_hex(ans->consent, 32)));
out:
	free(payload);
	free(sb);
	return r;
}

/* After both accepts: a side's sealed item (random bytes here), logged by its hash. */
static int
s_deposit(struct s_fake *f, const struct s_cand *cd, int who, struct s_answer *ans)
{
	uint8_t env[80];

	randombytes_buf(env, sizeof(env));
	crypto_hash_sha256(ans->envelope, env, sizeof(env));
	return s_append(f, "deposit",
	                json_pack("{s:o, s:o, s:s, s:o}", "round", s_hex(f->round, 16), "candidate",
	                          s_hex(cd->id, 16), "member", f->m[who].id, "envelope",
	                          s_hex(ans->envelope, 32)));
}

/* Candidate 0: the consumer declines; 1: the supplier declines; the last: only the
 * supplier answers (it expires); every other one is accepted by both, deposited by
 * both and released. */
static int
s_answers(struct s_fake *f, int *expired)
{
	struct s_answer a[2];
	int k, r;

	*expired = 0;
	for (k = 0; k < f->ncands; k++) {
		const struct s_cand *cd = &f->cands[k];
		if (k == 1) {
			r = s_consent(f, cd, cd->sup, 0, &a[0]);
		} else if (k == f->ncands - 1) {
			r = s_consent(f, cd, cd->sup, 1, &a[0]);
			++*expired;
		} else if ((r = s_consent(f, cd, cd->sup, 1, &a[0])) == SYM_OK) {
			r = s_consent(f, cd, cd->con, k != 0, &a[1]);
			if (r == SYM_OK && k != 0 &&
			    (r = s_deposit(f, cd, cd->con, &a[1])) == SYM_OK &&
			    (r = s_deposit(f, cd, cd->sup, &a[0])) == SYM_OK)
				r = s_append(
				    f, "release",
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "round",
				              s_hex(f->round, 16), "candidate", s_hex(cd->id, 16),
				              "supplier_consent", s_hex(a[0].consent, 32),
				              "consumer_consent", s_hex(a[1].consent, 32),
				              "supplier_envelope", s_hex(a[0].envelope, 32),
				              "consumer_envelope", s_hex(a[1].envelope, 32)));
		}
		if (r != SYM_OK)
			return r;
	}
	return SYM_OK;
}

static int
s_write_batches(struct s_fake *f, int nm)
{
	char path[PATH_MAX], hex[33];
	json_t *line;
	char *text;
	FILE *out;
	int i, j, r = SYM_OK;

	snprintf(path, sizeof(path), "%s/batches", f->out);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return SYM_ERR_IO;
	util_hex(f->round, 16, hex);
	snprintf(path, sizeof(path), "%s/batches/%s.jsonl", f->out, hex);
	if ((out = fopen(path, "w")) == NULL)
		return SYM_ERR_IO;
	for (i = 0; i < nm && r == SYM_OK; i++) {
		for (j = 0; j < nm && r == SYM_OK; j++) {
			if (i == j)
				continue;
			line = json_pack("{s:s, s:s, s:o, s:o}", "submitter", f->m[i].id,
			                 "counterpart", f->m[j].id, "offers",
			                 s_b64(f->offers[i][j].b, 8 * f->offers[i][j].n), "needs",
			                 s_b64(f->needs[i][j].b, 8 * f->needs[i][j].n));
			text = line ? json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			if (text == NULL || fprintf(out, "%s\n", text) < 0)
				r = SYM_ERR_IO;
			free(text);
			json_decref(line);
		}
	}
	if (fclose(out) != 0)
		r = SYM_ERR_IO;
	return r;
}

static int
s_write_park(struct s_fake *f, const char *ca_pem, const char *park)
{
	struct sym_diag diag = {""};
	struct parkinfo pi;
	struct keypair *curve = keys_generate(KEY_CURVE);
	char path[PATH_MAX], *text = NULL;
	int r;

	memset(&pi, 0, sizeof(pi));
	if (curve == NULL)
		return SYM_ERR_ALLOC;
	snprintf(pi.name, sizeof(pi.name), "Fake park");
	snprintf(pi.endpoint, sizeof(pi.endpoint), "tcp://127.0.0.1:1");
	memcpy(pi.coordinator_ed25519, f->coord->pk, 32);
	memcpy(pi.coordinator_curve, curve->pk, 32);
	pi.ca_pem = (char *)ca_pem;
	snprintf(pi.taxonomy_name, sizeof(pi.taxonomy_name), "fake");
	snprintf(pi.taxonomy_version, sizeof(pi.taxonomy_version), "1");
	keys_free(&curve);
	if ((r = parkinfo_dump(&pi, &text)) != SYM_OK)
		return r;
	snprintf(path, sizeof(path), "%s/park.json", f->out);
	r = util_write_file(path, text, strlen(text), 0644, 0);
	free(text);
	if (r != SYM_OK || park == NULL)
		return r;
	/* The coordinator's secret, for resign: where a park keeps it. */
	snprintf(path, sizeof(path), "%s/keys", park);
	if ((r = keyfile_secure_dir(park, &diag)) != SYM_OK ||
	    (r = keyfile_secure_dir(path, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi-forge: %s\n", diag.msg);
		return r;
	}
	snprintf(path, sizeof(path), "%s/keys/coordinator.key", park);
	if ((r = keyfile_save(path, f->coord, &diag)) != SYM_OK)
		fprintf(stderr, "symbi-forge: %s\n", diag.msg);
	return r;
}

static int
s_write_checkpoint(struct s_fake *f)
{
	struct checkpoint cp;
	char path[PATH_MAX], *text = NULL;
	int r;

	memset(&cp, 0, sizeof(cp));
	checkpoint_origin(f->coord->pk, cp.origin);
	cp.size = f->nleaves;
	if ((r = merkle_root((const merkle_hash_t *)f->leaves, f->nleaves, cp.root)) != SYM_OK ||
	    (r = checkpoint_sign(&cp, f->coord->sk, f->coord->pk, &text)) != SYM_OK)
		return r;
	snprintf(path, sizeof(path), "%s/checkpoint", f->out);
	r = util_write_file(path, text, strlen(text), 0644, 0);
	free(text);
	if (r != SYM_OK)
		return r;
	/* The entries are of protocol 1.1: export format 2. */
	snprintf(path, sizeof(path), "%s/format-version", f->out);
	return util_write_file(path, "2\n", 2, 0644, 0);
}

static int
s_round(struct s_fake *f, int nm, int end)
{
	json_t *submitted;
	int i, a, b, expired, r;

	if ((r = s_announce(f, nm)) != SYM_OK)
		return r;
	/* The first member submits twice; the second submission replaces the first. */
	if ((r = s_sets_make(f, nm, 0)) != SYM_OK || (r = s_submit(f, 0, nm)) != SYM_OK ||
	    (r = s_sets_make(f, nm, 1)) != SYM_OK)
		return r;
	for (i = 0; i < nm; i++)
		if ((r = s_submit(f, i, nm)) != SYM_OK)
			return r;
	if ((submitted = json_array()) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < nm; i++)
		json_array_append_new(submitted, json_string(f->m[i].id));
	if ((r = s_append(f, "round_closed",
	                  json_pack("{s:o, s:o, s:I}", "round", s_hex(f->round, 16), "submitted",
	                            submitted, "pairs", (json_int_t)(nm * (nm - 1) / 2)))) !=
	    SYM_OK)
		return r;
	for (a = 0; a < nm; a++)
		for (b = a + 1; b < nm; b++)
			if ((r = s_match(f, a, b)) != SYM_OK || (r = s_match(f, b, a)) != SYM_OK)
				return r;
	if (f->ncands < 4) {
		fprintf(stderr, "symbi-forge: too few candidates (%d); use more members\n",
		        f->ncands);
		return SYM_ERR_INVALID;
	}
	if ((r = s_answers(f, &expired)) != SYM_OK)
		return r;
	if (!end)
		return SYM_OK;
	return s_append(f, "round_ended",
	                json_pack("{s:o, s:i}", "round", s_hex(f->round, 16), "expired", expired));
}

static int
s_fake(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
	                                     {"park", required_argument, NULL, 'p'},
	                                     {"members", required_argument, NULL, 'm'},
	                                     {"no-end", no_argument, NULL, 'n'},
	                                     {"fixed", required_argument, NULL, 'f'},
	                                     {"bad-size", no_argument, NULL, 'b'},
	                                     {NULL, 0, NULL, 0}};
	struct s_fake *f = NULL;
	const char *park = NULL;
	char path[PATH_MAX], *ca_pem = NULL;
	int c, i, nm = 4, end = 1, r = SYM_ERR_INTERNAL, rc = EXIT_SOFTWARE;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return EXIT_SOFTWARE;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': f->out = optarg; break;
		case 'p': park = optarg; break;
		case 'm': nm = atoi(optarg); break;
		case 'n': end = 0; break;
		case 'f': f->fixed = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'b': f->bad_size = 1; break;
		default: rc = EXIT_USAGE; goto out;
		}
	}
	if (f->out == NULL || optind != argc || nm < 3 || nm > S_MAX_MEMBERS ||
	    (f->fixed > 0 && f->fixed < 4) || f->fixed > 4096) {
		fprintf(stderr,
		        "usage: symbi-forge fake --out DIR [--park PARK] [--members 3..%d] "
		        "[--no-end] [--fixed 4..4096 [--bad-size]]\n",
		        S_MAX_MEMBERS);
		rc = EXIT_USAGE;
		goto out;
	}
	if (mkdir(f->out, 0755) != 0) {
		fprintf(stderr, "symbi-forge: %s: %s\n", f->out, strerror(errno));
		rc = EXIT_CANTCREAT;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/entries.jsonl", f->out);
	f->now = wire_now_ms();
	f->coord = keys_generate(KEY_ED25519);
	f->ca = keys_generate(KEY_ED25519);
	if ((f->entries = fopen(path, "w")) == NULL || f->coord == NULL || f->ca == NULL ||
	    (r = cert_ca_create("Fake park", f->ca, 3650, &ca_pem)) != SYM_OK ||
	    (r = cert_park_id(ca_pem, f->park_id)) != SYM_OK)
		goto out;
	/* nm members who take part, and one more who leaves before the round. */
	for (i = 0; i <= nm; i++) {
		snprintf(f->m[i].id, sizeof(f->m[i].id), "co-%c", 'a' + i);
		snprintf(f->m[i].name, sizeof(f->m[i].name), "Company %c", 'A' + i);
		if ((r = s_member_make(f, &f->m[i], ca_pem, (uint64_t)i + 1)) != SYM_OK)
			goto out;
	}
	if ((r = s_append(f, "member_revoked", json_pack("{s:s}", "id", f->m[nm].id))) != SYM_OK ||
	    (r = s_round(f, nm, end)) != SYM_OK)
		goto out;
	if (fclose(f->entries) != 0) {
		f->entries = NULL;
		r = SYM_ERR_IO;
		goto out;
	}
	f->entries = NULL;
	if ((r = s_write_batches(f, nm)) != SYM_OK || (r = s_write_checkpoint(f)) != SYM_OK ||
	    (r = s_write_park(f, ca_pem, park)) != SYM_OK)
		goto out;
	printf("%s: %llu entries, %d candidates\n", f->out, (unsigned long long)f->nleaves,
	       f->ncands);
	rc = 0;
out:
	if (rc == EXIT_SOFTWARE)
		fprintf(stderr, "symbi-forge: fake: %s\n", sym_strerror(r));
	if (f->entries != NULL)
		fclose(f->entries);
	s_sets_free(f, nm <= S_MAX_MEMBERS ? nm : S_MAX_MEMBERS);
	for (i = 0; i <= S_MAX_MEMBERS; i++) {
		keys_free(&f->m[i].ed);
		keys_free(&f->m[i].x);
		keys_free(&f->m[i].curve);
		free(f->m[i].der);
	}
	keys_free(&f->coord);
	keys_free(&f->ca);
	free(ca_pem);
	free(f);
	return rc;
}

/* ---- weak-csr, weak-member ------------------------------------------------------ */

/* Order 8 (cr.yp.to/ecdh.html#validate). */
static const uint8_t s_low_order[32] = {
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00};

static int
s_weak_csr(int argc, char **argv)
{
	static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {NULL, 0, NULL, 0}};
	const char *id = NULL, *key = NULL, *out = NULL;
	struct keypair *ed = keys_generate(KEY_ED25519), *x = keys_generate(KEY_X25519),
	               *curve = keys_generate(KEY_CURVE);
	char *pem = NULL;
	int c, rc = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': id = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		default: goto out;
		}
	}
	if (id == NULL || out == NULL || key == NULL ||
	    (strcmp(key, "x25519") != 0 && strcmp(key, "curve") != 0) || optind != argc) {
		fprintf(stderr,
		        "usage: symbi-forge weak-csr --id ID --key x25519|curve --out FILE\n");
		goto out;
	}
	rc = EXIT_SOFTWARE;
	if (ed == NULL || x == NULL || curve == NULL)
		goto out;
	if (cert_csr_create(
	        ed, id, "Weak Keys Ltd", strcmp(key, "x25519") == 0 ? s_low_order : x->pk,
	        strcmp(key, "curve") == 0 ? s_low_order : curve->pk, NULL, &pem) != SYM_OK ||
	    util_write_file(out, pem, strlen(pem), 0644, 0) != SYM_OK) {
		fprintf(stderr, "symbi-forge: cannot write %s\n", out);
		goto out;
	}
	rc = 0;
out:
	free(pem);
	keys_free(&ed);
	keys_free(&x);
	keys_free(&curve);
	return rc;
}

/* pem with its member keys extension replaced by value, re-signed by the CA key: DER. */
static int
s_cert_rekeyed(const char *pem, const uint8_t value[MEMBER_EXT_LEN], const struct keypair *ca,
               uint8_t **der, int *der_len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ca->sk, 32);
	X509_EXTENSION *ext = NULL;
	int idx, r = SYM_ERR_CRYPTO;

	*der = NULL;
	if (x == NULL || oid == NULL || os == NULL || key == NULL ||
	    (idx = X509_get_ext_by_OBJ(x, oid, -1)) < 0)
		goto out;
	X509_EXTENSION_free(X509_delete_ext(x, idx));
	if (ASN1_OCTET_STRING_set(os, value, MEMBER_EXT_LEN) != 1 ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1 || X509_sign(x, key, NULL) <= 0 ||
	    (*der_len = i2d_X509(x, der)) <= 0)
		goto out;
	r = SYM_OK;
out:
	X509_EXTENSION_free(ext);
	EVP_PKEY_free(key);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	X509_free(x);
	BIO_free(bio);
	return r;
}

/* The forged member in the store and the log, as park_enroll would have recorded it. */
static int
s_weak_record(struct park *park, const struct member_record *rec, const uint8_t *der,
              size_t der_len, uint64_t serial)
{
	json_t *e;
	uint64_t idx;
	int r;

	if ((r = store_member_add(park->store, rec, der, der_len, serial)) != SYM_OK)
		return r;
	e = json_pack("{s:s, s:s, s:o, s:o}", "id", rec->id, "name", rec->name, "certificate",
	              auditlog_b64(der, der_len), "fingerprint",
	              auditlog_hex(rec->fingerprint, 32));
	r = e != NULL ? auditlog_append_row(park->store, "member_enrolled", e, &idx)
	              : SYM_ERR_ALLOC;
	json_decref(e);
	return r;
}

/* A certificate issued by the park's CA for a record whose X25519 key is s_low_order. */
static int
s_weak_issue(struct park *park, struct member_record *rec, uint64_t *serial, uint8_t **der,
             int *der_len, struct sym_diag *diag)
{
	struct keypair *ed = keys_generate(KEY_ED25519), *x = keys_generate(KEY_X25519),
	               *curve = keys_generate(KEY_CURVE);
	uint8_t value[MEMBER_EXT_SITE_LEN];
	size_t value_len = 0;
	char *csr = NULL, *pem = NULL;
	int r = SYM_ERR_ALLOC;

	if (ed == NULL || x == NULL || curve == NULL)
		goto out;
	memcpy(rec->ed25519, ed->pk, 32);
	memcpy(rec->x25519, s_low_order, 32);
	memcpy(rec->curve, curve->pk, 32);
	/* An honest request and certificate first, then the key swapped and signed again. */
	if ((r = cert_csr_create(ed, rec->id, rec->name, x->pk, curve->pk, NULL, &csr)) != SYM_OK ||
	    (r = store_next_serial(park->store, serial)) != SYM_OK ||
	    (r = cert_issue(park->info.ca_pem, park->ca, csr, strlen(csr), *serial, 30, &pem,
	                    diag)) != SYM_OK ||
	    (r = member_binding_sign(ed->sk, rec->id, rec->name, rec->x25519, rec->curve, NULL,
	                             rec->binding_sig)) != SYM_OK ||
	    (r = member_ext_encode(rec->x25519, rec->curve, rec->binding_sig, NULL, value,
	                           &value_len)) != SYM_OK ||
	    (r = s_cert_rekeyed(pem, value, park->ca, der, der_len)) != SYM_OK)
		goto out;
	crypto_hash_sha256(rec->fingerprint, *der, (size_t)*der_len);
out:
	free(csr);
	free(pem);
	keys_free(&ed);
	keys_free(&x);
	keys_free(&curve);
	return r;
}

static int
s_weak_member(int argc, char **argv)
{
	static const struct option opts[] = {{"park", required_argument, NULL, 'p'},
	                                     {"id", required_argument, NULL, 'i'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	struct sym_diag diag = {""};
	struct member_record rec;
	struct park *park = NULL;
	uint8_t *der = NULL;
	uint64_t serial = 0;
	int c, der_len = 0, r, in_tx = 0;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.name, sizeof(rec.name), "Weak Keys Ltd");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'i')
			snprintf(rec.id, sizeof(rec.id), "%s", optarg);
		else
			break;
	}
	if (c != -1 || dir == NULL || !member_id_valid(rec.id) || optind != argc) {
		fprintf(stderr, "usage: symbi-forge weak-member --park PARK --id ID\n");
		return EXIT_USAGE;
	}
	if ((r = park_open(dir, PARK_OPEN_CA, &park, &diag)) != SYM_OK ||
	    (r = store_begin(park->store)) != SYM_OK)
		goto out;
	in_tx = 1;
	if ((r = s_weak_issue(park, &rec, &serial, &der, &der_len, &diag)) != SYM_OK ||
	    (r = s_weak_record(park, &rec, der, (size_t)der_len, serial)) != SYM_OK ||
	    (r = store_commit(park->store)) != SYM_OK)
		goto out;
	in_tx = 0;
out:
	if (in_tx)
		store_rollback(park->store);
	if (r != SYM_OK)
		fprintf(stderr, "symbi-forge weak-member: %s %s\n", sym_strerror(r), diag.msg);
	OPENSSL_free(der);
	park_close(&park);
	return r == SYM_OK ? 0 : EXIT_SOFTWARE;
}

/* The v2 member keys extension for any site, bound by ed: what site-csr puts in its request. */
static int
s_site_ext(const struct keypair *ed, const char *id, const uint8_t x[32], const uint8_t c[32],
           int32_t lat, int32_t lon, X509_EXTENSION **out)
{
	uint8_t msg[MEMBER_BINDING_MAX], value[MEMBER_EXT_SITE_LEN], site[8], sig[64];
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	size_t n = 0;
	int r = SYM_ERR_CRYPTO;

	site[0] = (uint8_t)((uint32_t)lat >> 24);
	site[1] = (uint8_t)((uint32_t)lat >> 16);
	site[2] = (uint8_t)((uint32_t)lat >> 8);
	site[3] = (uint8_t)lat;
	site[4] = (uint8_t)((uint32_t)lon >> 24);
	site[5] = (uint8_t)((uint32_t)lon >> 16);
	site[6] = (uint8_t)((uint32_t)lon >> 8);
	site[7] = (uint8_t)lon;
	/* PROTOCOL.md: "symbiod-member-keys-v2\0" || id || name || x25519 || curve || site. */
	memcpy(msg, "symbiod-member-keys-v2", n = sizeof("symbiod-member-keys-v2"));
	msg[n++] = (uint8_t)strlen(id);
	memcpy(msg + n, id, strlen(id));
	n += strlen(id);
	msg[n++] = (uint8_t)strlen("Far Away Ltd");
	memcpy(msg + n, "Far Away Ltd", strlen("Far Away Ltd"));
	n += strlen("Far Away Ltd");
	memcpy(msg + n, x, 32);
	memcpy(msg + n + 32, c, 32);
	memcpy(msg + n + 64, site, 8);
	crypto_sign_detached(sig, NULL, msg, n + 72, ed->sk);
	memcpy(value, "SYMK\x02", 5);
	memcpy(value + 5, x, 32);
	memcpy(value + 37, c, 32);
	memcpy(value + 69, sig, 64);
	memcpy(value + 133, site, 8);
	if (oid != NULL && os != NULL && ASN1_OCTET_STRING_set(os, value, sizeof(value)) == 1 &&
	    (*out = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) != NULL)
		r = SYM_OK;
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return r;
}

static int
s_site_csr(int argc, char **argv)
{
	static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
	                                     {"lat", required_argument, NULL, 'a'},
	                                     {"lon", required_argument, NULL, 'b'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {NULL, 0, NULL, 0}};
	const char *id = NULL, *out = NULL;
	long lat = 0, lon = 0;
	struct keypair *ed = keys_generate(KEY_ED25519), *x = keys_generate(KEY_X25519),
	               *curve = keys_generate(KEY_CURVE);
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ext = NULL;
	X509_REQ *req = X509_REQ_new();
	X509_NAME *nm = X509_NAME_new();
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char *data = NULL;
	long len;
	int c, rc = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': id = optarg; break;
		case 'a': lat = strtol(optarg, NULL, 10); break;
		case 'b': lon = strtol(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		default: goto out;
		}
	}
	if (id == NULL || out == NULL || optind != argc || !member_id_valid(id)) {
		fprintf(stderr, "usage: symbi-forge site-csr --id ID --lat N --lon N --out FILE\n");
		goto out;
	}
	rc = EXIT_SOFTWARE;
	if (ed == NULL || x == NULL || curve == NULL || exts == NULL || req == NULL || nm == NULL ||
	    (pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ed->sk, 32)) == NULL ||
	    s_site_ext(ed, id, x->pk, curve->pk, (int32_t)lat, (int32_t)lon, &ext) != SYM_OK ||
	    sk_X509_EXTENSION_push(exts, ext) <= 0)
		goto out;
	ext = NULL; /* transferred */
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_NAME_add_entry_by_NID(nm, NID_commonName, V_ASN1_UTF8STRING,
	                               (const unsigned char *)id, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(nm, NID_organizationName, V_ASN1_UTF8STRING,
	                               (const unsigned char *)"Far Away Ltd", -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, nm) != 1 || X509_REQ_set_pubkey(req, pkey) != 1 ||
	    X509_REQ_add_extensions(req, exts) != 1 || X509_REQ_sign(req, pkey, NULL) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509_REQ(bio, req) != 1 ||
	    (len = BIO_get_mem_data(bio, &data)) <= 0 ||
	    util_write_file(out, data, (size_t)len, 0644, 0) != SYM_OK) {
		fprintf(stderr, "symbi-forge: cannot write %s\n", out);
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	keys_free(&ed);
	keys_free(&x);
	keys_free(&curve);
	return rc;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return EXIT_SOFTWARE;
	if (argc >= 2 && strcmp(argv[1], "resign") == 0)
		return s_resign(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "fake") == 0)
		return s_fake(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "weak-csr") == 0)
		return s_weak_csr(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "weak-member") == 0)
		return s_weak_member(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "site-csr") == 0)
		return s_site_csr(argc - 1, argv + 1);
	fprintf(stderr,
	        "usage: symbi-forge resign --park PARK --export DIR [--size N] [--root HEX]\n"
	        "       symbi-forge fake --out DIR [--park PARK] [--members N] [--no-end]\n"
	        "       symbi-forge weak-csr --id ID --key x25519|curve --out FILE\n"
	        "       symbi-forge weak-member --park PARK --id ID\n"
	        "       symbi-forge site-csr --id ID --lat N --lon N --out FILE\n");
	return EXIT_USAGE;
}
