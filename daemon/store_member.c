/* The store's enrolled members: add, revoke, look up, list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert.h"
#include "err.h"
#include "store.h"
#include "store_internal.h"

#define STORE_CERT_DER_MAX CERT_PEM_MAX /* a DER certificate is shorter than its PEM */

#define MEMBER_COLUMNS                                                                             \
	"id, name, ed25519, x25519, curve, binding_sig, fingerprint, cert, serial, revoked, "      \
	"enrolled_at, revoked_at, site_set, site_lat, site_lon"

int
store_id_ok(const char *id)
{
	/* Bound the scan before member_id_valid looks at it. */
	return id != NULL && strnlen(id, MEMBER_ID_MAX + 1) <= MEMBER_ID_MAX && member_id_valid(id);
}

static int
s_now(int64_t *out)
{
	time_t t = time(NULL);

	if (t == (time_t)-1)
		return SYM_ERR_INTERNAL;
	*out = (int64_t)t;
	return SYM_OK;
}

static int
s_record_ok(const struct member_record *rec)
{
	/* Both strings must end inside their arrays before anything reads them. */
	return memchr(rec->id, '\0', sizeof(rec->id)) != NULL && member_id_valid(rec->id) &&
	       memchr(rec->name, '\0', sizeof(rec->name)) != NULL && member_name_valid(rec->name);
}

int
store_member_add(struct store *st, const struct member_record *rec, const uint8_t *cert_der,
                 size_t cert_der_len, uint64_t serial)
{
	int64_t now = 0;
	int r;

	if (st == NULL || rec == NULL || !s_record_ok(rec) || !site_valid(&rec->site) ||
	    cert_der == NULL || cert_der_len == 0 || cert_der_len > STORE_CERT_DER_MAX ||
	    serial == 0 || serial > (uint64_t)INT64_MAX)
		return SYM_ERR_INVALID;
	if ((r = s_now(&now)) != SYM_OK)
		return r;
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO members (id, name, ed25519, x25519, curve, binding_sig, fingerprint, "
	    "cert, serial, enrolled_at, site_set, site_lat, site_lon) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	    STORE_ARGS(store_arg_text(rec->id), store_arg_text(rec->name),
	               store_arg_blob(rec->ed25519, sizeof(rec->ed25519)),
	               store_arg_blob(rec->x25519, sizeof(rec->x25519)),
	               store_arg_blob(rec->curve, sizeof(rec->curve)),
	               store_arg_blob(rec->binding_sig, sizeof(rec->binding_sig)),
	               store_arg_blob(rec->fingerprint, sizeof(rec->fingerprint)),
	               store_arg_blob(cert_der, cert_der_len), store_arg_int((int64_t)serial),
	               store_arg_int(now), store_arg_int(rec->site.set != 0),
	               store_arg_int(rec->site.lat), store_arg_int(rec->site.lon)));
}

int
store_member_revoke(struct store *st, const char *id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t now = 0;
	int r;

	if (st == NULL || !store_id_ok(id))
		return SYM_ERR_INVALID;
	if ((r = s_now(&now)) != SYM_OK)
		return r;
	if ((r = store_sql_update(&st->sql,
	                          "UPDATE members SET revoked = 1, revoked_at = ?1 "
	                          "WHERE id = ?2 AND revoked = 0",
	                          STORE_ARGS(store_arg_int(now), store_arg_text(id)))) != 0)
		return r > 0 ? SYM_OK : r;
	/* Nothing changed: members are never deleted, so the row is either revoked or absent. */
	if ((r = store_sql_row(&st->sql, &stmt, "SELECT 1 FROM members WHERE id = ?1",
	                       STORE_ARGS(store_arg_text(id)))) != SYM_OK)
		return r;
	store_sql_release(&st->sql, stmt);
	return SYM_ERR_EXISTS;
}

/* Decode one row selected with MEMBER_COLUMNS into a zeroed member. */
static int
s_member_row(sqlite3_stmt *stmt, void *item)
{
	struct store_member *m = item;
	struct member_record *rec = &m->rec;
	int64_t serial = 0, revoked = 0, site_set = 0, lat = 0, lon = 0;
	int r;

	if ((r = store_sql_col_text(stmt, 0, rec->id, sizeof(rec->id))) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 1, rec->name, sizeof(rec->name))) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 2, rec->ed25519, sizeof(rec->ed25519))) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 3, rec->x25519, sizeof(rec->x25519))) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 4, rec->curve, sizeof(rec->curve))) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 5, rec->binding_sig, sizeof(rec->binding_sig))) !=
	        SYM_OK ||
	    (r = store_sql_col_blob(stmt, 6, rec->fingerprint, sizeof(rec->fingerprint))) !=
	        SYM_OK ||
	    (r = store_sql_col_int64(stmt, 8, 1, INT64_MAX, &serial)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 9, 0, 1, &revoked)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 10, 0, INT64_MAX, &m->enrolled_at)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 11, 0, INT64_MAX, &m->revoked_at)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 12, 0, 1, &site_set)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 13, -SITE_LAT_MAX, SITE_LAT_MAX, &lat)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 14, -SITE_LON_MAX, SITE_LON_MAX, &lon)) != SYM_OK)
		goto out;
	rec->site.set = (int)site_set;
	rec->site.lat = (int32_t)lat;
	rec->site.lon = (int32_t)lon;
	if (!member_id_valid(rec->id) || !member_name_valid(rec->name)) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	m->serial = (uint64_t)serial;
	m->revoked = (int)revoked;
	if ((r = store_sql_col_blob_dup(stmt, 7, STORE_CERT_DER_MAX, &m->cert_der,
	                                &m->cert_der_len)) != SYM_OK)
		goto out;
	r = m->cert_der_len > 0 ? SYM_OK : SYM_ERR_FORMAT;
out:
	if (r != SYM_OK)
		store_member_clear(m);
	return r;
}

int
store_member_get(struct store *st, const char *id, struct store_member *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (st == NULL || out == NULL || !store_id_ok(id))
		return SYM_ERR_INVALID;
	return store_sql_get(&st->sql, "SELECT " MEMBER_COLUMNS " FROM members WHERE id = ?1",
	                     STORE_ARGS(store_arg_text(id)), s_member_row, out, sizeof(*out));
}

static void
s_member_clear(void *item)
{
	store_member_clear(item);
}

int
store_members_list(struct store *st, struct store_member **out, size_t *n)
{
	static const struct store_sql_list how = {sizeof(struct store_member), s_member_row,
	                                          s_member_clear};
	void *list = NULL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (st == NULL || out == NULL || n == NULL)
		return SYM_ERR_INVALID;
	/* Ids are ASCII, so the default BINARY collation gives a stable byte order. */
	if ((r = store_sql_list(&st->sql, "SELECT " MEMBER_COLUMNS " FROM members ORDER BY id",
	                        STORE_NO_ARGS, &how, &list, n)) != SYM_OK)
		return r;
	*out = list; /* transferred */
	return SYM_OK;
}

void
store_member_clear(struct store_member *m)
{
	if (m == NULL)
		return;
	free(m->cert_der);
	memset(m, 0, sizeof(*m));
}

void
store_members_free(struct store_member *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++)
		store_member_clear(&m[i]);
	free(m);
}
