/*
 * The unmasking arithmetic (INDICATORS.md "How it is summed"): the sum of the
 * included members' masked vectors, minus each included member's self mask
 * (its seed b recovered from t shares), minus the pair masks between the
 * included members and the dropped ones (their keys revealed by the included
 * member of each pair). Pair masks between two included members cancel.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"
#include "masks.h"
#include "shamir.h"
#include "wire.h"

struct s_answers {
	Symbiod__IndicatorUnmask **a; /* by member order, only included members' */
	char **who;
	size_t n;
};

static void
s_answers_free(struct s_answers *as)
{
	size_t i;

	for (i = 0; i < as->n; i++)
		wire_free((ProtobufCMessage *)as->a[i]);
	free(as->a);
	free(as->who);
	memset(as, 0, sizeof(*as));
}

/* The answers held, unpacked (each was checked when it arrived). */
static int
s_answers_load(struct rounds_ctx *ctx, const struct store_secagg *sa, struct store_secagg_msg **m,
               size_t *nm, struct s_answers *as)
{
	size_t i;
	int r;

	memset(as, 0, sizeof(*as));
	if ((r = store_secagg_msgs(ctx->park->store, sa->round, SECAGG_ANSWER, m, nm)) != SYM_OK)
		return r;
	if ((as->a = calloc(*nm + 1, sizeof(*as->a))) == NULL ||
	    (as->who = calloc(*nm + 1, sizeof(*as->who))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < *nm; i++) {
		if ((r = wire_unpack(&symbiod__indicator_unmask__descriptor, (*m)[i].data,
		                     (*m)[i].len, 0, (ProtobufCMessage **)&as->a[as->n])) != SYM_OK)
			return r;
		as->who[as->n++] = (*m)[i].member;
	}
	return SYM_OK;
}

/*
 * The secret an answer gives for `member`, expected at `at` (answers list
 * their secrets in the set's order, checked when they arrived); NULL if not.
 */
static const uint8_t *
s_secret(Symbiod__UnmaskSecret *const *list, size_t n, size_t at, const char *member)
{
	if (at < n && strcmp(list[at]->member, member) == 0 && list[at]->secret.len == 32)
		return list[at]->secret.data;
	return NULL;
}

/*
 * Recover member j's self-mask seed from the answers at positions `pick`
 * (t of them, whose Lagrange coefficients are `coeffs`).
 */
static int
s_seed(const struct s_answers *as, const size_t *pick, size_t t,
       const uint8_t (*coeffs)[SHAMIR_SCALAR_LEN], size_t at, const char *j, uint8_t (*ys)[32],
       uint8_t seed[32])
{
	size_t k;
	const uint8_t *y;

	for (k = 0; k < t; k++) {
		const Symbiod__IndicatorUnmask *a = as->a[pick[k]];
		if ((y = s_secret(a->shares, a->n_shares, at, j)) == NULL)
			return SYM_ERR_FORMAT;
		memcpy(ys[k], y, 32);
	}
	return shamir_combine(coeffs, (const uint8_t(*)[32])ys, t, seed);
}

/* The Lagrange coefficients of the answerers at `pick` (their x: 1 + index among submitters). */
static int
s_coeffs(const Symbiod__IncludedSet *inc, const struct s_answers *as, const size_t *pick, size_t t,
         uint8_t (*coeffs)[SHAMIR_SCALAR_LEN])
{
	uint32_t *xs = calloc(t + 1, sizeof(*xs));
	size_t k;
	int r;

	if (xs == NULL)
		return SYM_ERR_ALLOC;
	for (k = 0; k < t; k++)
		xs[k] = 1u + (uint32_t)indicators_find(inc->submitters, inc->n_submitters,
		                                       as->who[pick[k]]);
	r = shamir_lagrange(xs, t, coeffs);
	free(xs);
	return r;
}

/*
 * Remove every included member's self mask. With more than t answers the
 * seed is recovered twice, from the first t and from the last t answerers:
 * a member that revealed a wrong share makes the two disagree.
 */
static int
s_remove_self(const Symbiod__IncludedSet *inc, const struct s_answers *as, const uint8_t round[16],
              uint64_t *sums, size_t ncells, struct sym_diag *why)
{
	size_t t = inc->threshold, k, j;
	size_t *first = calloc(t + 1, sizeof(*first)), *last = calloc(t + 1, sizeof(*last));
	uint8_t(*c1)[32] = calloc(t + 1, 32), (*c2)[32] = calloc(t + 1, 32),
	(*ys)[32] = calloc(t + 1, 32);
	uint8_t seed[32], check[32];
	int r = SYM_ERR_ALLOC;

	if (first == NULL || last == NULL || c1 == NULL || c2 == NULL || ys == NULL)
		goto out;
	for (k = 0; k < t; k++) {
		first[k] = k;
		last[k] = as->n - t + k;
	}
	if ((r = s_coeffs(inc, as, first, t, c1)) != SYM_OK ||
	    (r = s_coeffs(inc, as, last, t, c2)) != SYM_OK)
		goto out;
	for (j = 0; j < inc->n_included; j++) {
		const char *id = inc->included[j];
		if ((r = s_seed(as, first, t, (const uint8_t(*)[32])c1, j, id, ys, seed)) !=
		        SYM_OK ||
		    (r = s_seed(as, last, t, (const uint8_t(*)[32])c2, j, id, ys, check)) !=
		        SYM_OK) {
			r = sym_diag_set(why, SYM_ERR_VERIFY, "a share of %s's seed is malformed",
			                 id);
			goto out;
		}
		if (sodium_memcmp(seed, check, 32) != 0) {
			r = sym_diag_set(
			    why, SYM_ERR_VERIFY,
			    "the shares of %s's seed disagree (a member revealed a wrong "
			    "share)",
			    id);
			goto out;
		}
		if ((r = masks_apply(seed, round, 1, -1, sums, ncells)) != SYM_OK)
			goto out;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(check, sizeof(check));
	if (ys != NULL)
		sodium_memzero(ys, (t + 1) * 32);
	free(first);
	free(last);
	free(c1);
	free(c2);
	free(ys);
	return r;
}

/* Remove the pair masks of every included member with every dropped one. */
static int
s_remove_dropped(const Symbiod__IncludedSet *inc, const struct s_answers *as,
                 const uint8_t round[16], uint64_t *sums, size_t ncells)
{
	size_t i, d, nd = 0;
	const uint8_t *key;
	int r;

	for (d = 0; d < inc->n_submitters; d++) {
		const char *dropped = inc->submitters[d];
		if (indicators_find(inc->included, inc->n_included, dropped) >= 0)
			continue;
		for (i = 0; i < as->n; i++) {
			const Symbiod__IndicatorUnmask *a = as->a[i];
			if ((key = s_secret(a->masks, a->n_masks, nd, dropped)) == NULL)
				return SYM_ERR_FORMAT;
			if ((r = masks_apply(key, round, 0, -masks_pair_sign(as->who[i], dropped),
			                     sums, ncells)) != SYM_OK)
				return r;
		}
		nd++;
	}
	return SYM_OK;
}

/* The masked vectors of the included members, summed into sums. */
static int
s_add_vectors(struct rounds_ctx *ctx, const struct store_secagg *sa,
              const Symbiod__IncludedSet *inc, uint64_t *sums, size_t ncells)
{
	struct store_secagg_msg *v = NULL;
	uint64_t *cells = calloc(ncells + 1, sizeof(*cells));
	size_t nv = 0, i, added = 0;
	int r;

	if (cells == NULL)
		return SYM_ERR_ALLOC;
	if ((r = store_secagg_msgs(ctx->park->store, sa->round, SECAGG_VECTOR, &v, &nv)) != SYM_OK)
		goto out;
	for (i = 0; i < nv; i++) {
		if (indicators_find(inc->included, inc->n_included, v[i].member) < 0)
			continue;
		if (v[i].len != ncells * 8) {
			r = SYM_ERR_FORMAT;
			goto out;
		}
		masks_vec_load(v[i].data, ncells, cells);
		masks_vec_add(sums, cells, ncells, 1);
		added++;
	}
	r = added == inc->n_included ? SYM_OK : SYM_ERR_INTERNAL;
out:
	store_secagg_msgs_free(&v, nv);
	free(cells);
	return r;
}

/* A result no honest set of members can give: a contributor count above the members. */
static int
s_plausible(const uint64_t *sums, size_t nclasses, size_t nincl)
{
	static const unsigned counts[] = {IND_OFFER_CONTRIBUTORS, IND_NEED_CONTRIBUTORS,
	                                  IND_EXCHANGE_CONTRIBUTORS};
	size_t c, k;

	for (c = 0; c < nclasses; c++)
		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
			if (sums[c * IND_INDICATORS + counts[k]] > nincl)
				return 0;
	return 1;
}

int
indicators_sum(struct rounds_ctx *ctx, const struct store_secagg *sa,
               const Symbiod__IncludedSet *inc, uint64_t *sums, int *ready, struct sym_diag *why)
{
	const struct ind_layout *l = NULL;
	struct store_secagg_msg *m = NULL;
	struct s_answers as;
	size_t nm = 0, held, dropped = inc->n_submitters - inc->n_included;
	int r;

	*ready = 0;
	memset(&as, 0, sizeof(as));
	if ((r = store_secagg_msg_count(ctx->park->store, sa->round, SECAGG_ANSWER)) < 0)
		return r;
	held = (size_t)r; /* counted first: the answers are read once they suffice */
	r = SYM_OK;
	if (held < inc->threshold || (dropped > 0 && held < inc->n_included)) {
		if (dropped > 0)
			sym_diag_set(
			    why, SYM_OK,
			    "%zu of the %zu included members answered the unmasking; with %zu "
			    "dropped, every included member must",
			    held, inc->n_included, dropped);
		else
			sym_diag_set(why, SYM_OK,
			             "%zu of the %zu included members answered the unmasking; the "
			             "threshold is %u",
			             held, inc->n_included, inc->threshold);
		goto out; /* not yet */
	}
	if ((r = indicators_layout(ctx, &l)) != SYM_OK ||
	    (r = s_answers_load(ctx, sa, &m, &nm, &as)) != SYM_OK)
		goto out;
	memset(sums, 0, l->ncells * sizeof(*sums));
	if ((r = s_add_vectors(ctx, sa, inc, sums, l->ncells)) != SYM_OK ||
	    (r = s_remove_self(inc, &as, sa->round, sums, l->ncells, why)) != SYM_OK ||
	    (r = s_remove_dropped(inc, &as, sa->round, sums, l->ncells)) != SYM_OK)
		goto out;
	if (!s_plausible(sums, l->nclasses, inc->n_included)) {
		r = sym_diag_set(why, SYM_ERR_VERIFY,
		                 "the unmasked sums are impossible (a contributor count above the "
		                 "members): a member revealed a wrong key");
		goto out;
	}
	*ready = 1;
out:
	s_answers_free(&as);
	store_secagg_msgs_free(&m, nm);
	return r;
}
