/*
 * A company's own limits on a round (PROTOCOL.md 1.1, items 3 and 4), from
 * STATE/symbi.conf: the smallest size classes it accepts from a coordinator,
 * and which counterparts may ever see its real tokens.
 *
 *   min_offer_tokens = 1024   refuse a round whose offer sets may be smaller
 *   min_need_tokens = 128     likewise for the need sets
 *   allow = ID,ID             when set, only these counterparts get real tokens
 *   deny = ID,ID              these never do
 *
 * A counterpart that is denied (or not on a non-empty allow list) receives a
 * set of padding only, of the same size class, and its candidates are never
 * accepted.
 */
#ifndef SYMBI_POLICY_H
#define SYMBI_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_LIST_MAX 4096

#define POLICY_DEFAULT_MIN_OFFER 1024
#define POLICY_DEFAULT_MIN_NEED 128

struct client_policy {
	int min_offer_tokens, min_need_tokens;
	char allow[POLICY_LIST_MAX], deny[POLICY_LIST_MAX];
};

/* The settings of this run: the defaults until main applies STATE/symbi.conf. */
extern struct client_policy client_policy;

/* 1 when `id` may not see this company's real tokens nor obtain its items. */
int policy_denies(const struct client_policy *p, const char *id);

/* The config check of allow and deny: NULL, or why the value is not a list of member ids. */
const char *policy_check_list(const char *value);

/*
 * The smallest set a round's announcement lets a member send in one
 * direction: the fixed size, or the power of two at or above the floor.
 */
size_t policy_smallest_class(uint32_t floor, uint32_t fixed);

#endif
