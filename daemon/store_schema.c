/* The store's schema: every migration since the first, in order (store.c runs them). */
#include <stddef.h>

#include "store_internal.h"

/*
 * Schema migrations in order; PRAGMA user_version counts how many have run.
 * Append only: databases in the field have already run every shipped entry,
 * so an entry is never edited, reordered or removed. STRICT tables make
 * SQLite enforce the column types, so a key column can only ever hold a BLOB.
 */
const char *const store_migrations[] = {
    /* 1: settings, enrolled members, replay protection, counters. */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE members ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  ed25519 BLOB NOT NULL UNIQUE CHECK (length(ed25519) = 32),"
    "  x25519 BLOB NOT NULL UNIQUE CHECK (length(x25519) = 32),"
    "  curve BLOB NOT NULL UNIQUE CHECK (length(curve) = 32),"
    "  binding_sig BLOB NOT NULL CHECK (length(binding_sig) = 64),"
    "  fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),"
    "  cert BLOB NOT NULL,"
    "  serial INTEGER NOT NULL UNIQUE CHECK (serial > 0),"
    "  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    "  enrolled_at INTEGER NOT NULL,"
    "  revoked_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE seen_requests ("
    "  member TEXT NOT NULL,"
    "  request_id BLOB NOT NULL CHECK (length(request_id) = 16),"
    "  at_ms INTEGER NOT NULL,"
    "  response BLOB,"
    "  PRIMARY KEY (member, request_id)"
    ") STRICT;"
    "CREATE INDEX seen_requests_at_ms ON seen_requests (at_ms);"
    "CREATE TABLE counters ("
    "  name TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ") STRICT;",
    /*
     * 2: rounds, submissions (staged then committed), token batches,
     * candidates with both sides' consent, per-pair match summaries. Tokens
     * are pseudorandom and envelopes sealed: nothing here is a flow's content.
     */
    "CREATE TABLE rounds ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  seq INTEGER NOT NULL UNIQUE CHECK (seq > 0),"
    "  phase INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 3),"
    "  opened_ms INTEGER NOT NULL,"
    "  closed_ms INTEGER NOT NULL DEFAULT 0,"
    "  ended_ms INTEGER NOT NULL DEFAULT 0,"
    "  submit_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  consent_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  announcement BLOB NOT NULL"
    ") STRICT;"
    "CREATE TABLE round_members ("
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  member TEXT NOT NULL,"
    "  PRIMARY KEY (round, member)"
    ") STRICT;"
    "CREATE TABLE submissions ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  member TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
    "  chunks INTEGER NOT NULL CHECK (chunks > 0),"
    "  received INTEGER NOT NULL DEFAULT 0,"
    "  commitment BLOB NOT NULL CHECK (length(commitment) = 32),"
    "  begun_ms INTEGER NOT NULL,"
    "  committed_ms INTEGER NOT NULL DEFAULT 0,"
    "  evidence BLOB"
    ") STRICT;"
    "CREATE INDEX submissions_round_member ON submissions (round, member, state);"
    "CREATE TABLE batches ("
    "  submission BLOB NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  counterpart TEXT NOT NULL,"
    "  offers BLOB NOT NULL,"
    "  needs BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  PRIMARY KEY (submission, counterpart)"
    ") STRICT;"
    "CREATE UNIQUE INDEX batches_seq ON batches (submission, seq);"
    "CREATE TABLE candidates ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  supplier TEXT NOT NULL,"
    "  consumer TEXT NOT NULL,"
    "  token BLOB NOT NULL CHECK (length(token) = 8),"
    "  supplier_state INTEGER NOT NULL DEFAULT 0 CHECK (supplier_state IN (0, 1, 2)),"
    "  consumer_state INTEGER NOT NULL DEFAULT 0 CHECK (consumer_state IN (0, 1, 2)),"
    "  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),"
    "  supplier_envelope BLOB,"
    "  consumer_envelope BLOB,"
    "  supplier_evidence BLOB,"
    "  consumer_evidence BLOB"
    ") STRICT;"
    "CREATE INDEX candidates_supplier ON candidates (round, supplier);"
    "CREATE INDEX candidates_consumer ON candidates (round, consumer);"
    "CREATE TABLE pair_summaries ("
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  supplier TEXT NOT NULL,"
    "  consumer TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  hits_hash BLOB NOT NULL CHECK (length(hits_hash) = 32),"
    "  PRIMARY KEY (round, supplier, consumer)"
    ") STRICT;",
    /* 3: the audit log (audit/FORMAT.md): entries as hashed, with their leaf hashes. */
    "CREATE TABLE log_entries ("
    "  idx INTEGER PRIMARY KEY CHECK (idx >= 0),"
    "  kind TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  leaf BLOB NOT NULL CHECK (length(leaf) = 32),"
    "  at_ms INTEGER NOT NULL"
    ") STRICT;",
    /*
     * 4: whether a round's token batches outlive it (protocol 1.1, repair 7).
     * Rounds opened before this version were announced without a retention
     * promise and kept their batches: they stay kept (1); every new round is
     * stored with the value its announcement carries.
     */
    "ALTER TABLE rounds ADD COLUMN keep_batches INTEGER NOT NULL DEFAULT 1 "
    "CHECK (keep_batches IN (0, 1));",
    /*
     * 5: protocol 1.1 deposits. A consent keeps only the hash of what its
     * member signed (the *_evidence columns); each side's sealed item comes
     * after agreement, its hash in *_deposit, the bytes in *_envelope only
     * until the other side fetched them or the round ended.
     */
    "ALTER TABLE candidates ADD COLUMN supplier_deposit BLOB;"
    "ALTER TABLE candidates ADD COLUMN consumer_deposit BLOB;"
    /* Version 1 kept envelopes and whole signed accepts (which hold them) of ended rounds. */
    "UPDATE candidates SET supplier_envelope = NULL, consumer_envelope = NULL,"
    "  supplier_evidence = NULL, consumer_evidence = NULL"
    "  WHERE round IN (SELECT id FROM rounds WHERE phase = 3);",
    /*
     * 6: each round's size policy (PROTOCOL.md 1.1, sizes): the floors, the
     * fixed size and the maximums the coordinator enforces on every set. A
     * round opened before has zeros: only the 2^20 bound holds for it.
     */
    "ALTER TABLE rounds ADD COLUMN offer_floor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN need_floor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN fixed_size INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN max_offer INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN max_need INTEGER NOT NULL DEFAULT 0;",
    /*
     * 7: park indicators (INDICATORS.md). Only a round's sums over its
     * included members are kept, never one member's vector; state 0
     * collecting, 1 done, 2 failed (fewer survivors than the threshold).
     */
    "CREATE TABLE indicator_rounds ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
    "  included INTEGER NOT NULL DEFAULT 0 CHECK (included >= 0),"
    "  threshold INTEGER NOT NULL DEFAULT 0 CHECK (threshold >= 0),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  updated_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE indicator_sums ("
    "  round BLOB NOT NULL REFERENCES indicator_rounds(round),"
    "  class TEXT NOT NULL,"
    "  indicator TEXT NOT NULL,"
    "  value INTEGER NOT NULL," /* a uint64 sum, its bits stored as int64 */
    "  PRIMARY KEY (round, class, indicator)"
    ") STRICT;",
    /*
     * 8: the class each side of a candidate agreed to publish in the park's
     * diagram (`symbi accept --publish`); NULL: that side did not. A class
     * is the first two taxonomy levels, never a category, quantity or detail.
     */
    "ALTER TABLE candidates ADD COLUMN supplier_publish TEXT;"
    "ALTER TABLE candidates ADD COLUMN consumer_publish TEXT;",
    /*
     * 9: secure aggregation's working state (store_secagg.c). indicator_progress:
     * a round's stage (0 waiting for the round's end, 1 collecting, 2
     * confirming, 3 unmasking, 4 finished), its deadline and the signed
     * included set. indicator_msgs: each member's masked vector (kind 1),
     * confirmation (2) and unmasking answer (3); indicator_shares: the
     * self-mask shares, each sealed to its recipient. All but the progress row
     * are deleted when the round's sums are done or failed.
     */
    "CREATE TABLE indicator_progress ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  stage INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 4),"
    "  window_ms INTEGER NOT NULL CHECK (window_ms > 0),"
    "  deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  submitters TEXT NOT NULL DEFAULT '[]',"
    "  included BLOB,"
    "  included_hash BLOB CHECK (included_hash IS NULL OR length(included_hash) = 32),"
    "  included_index INTEGER NOT NULL DEFAULT -1,"
    "  included_entry BLOB"
    ") STRICT;"
    "CREATE TABLE indicator_msgs ("
    "  round BLOB NOT NULL REFERENCES indicator_progress(round),"
    "  kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),"
    "  member TEXT NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (round, kind, member)"
    ") STRICT;"
    "CREATE TABLE indicator_shares ("
    "  round BLOB NOT NULL REFERENCES indicator_progress(round),"
    "  sender TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  sealed BLOB NOT NULL,"
    "  PRIMARY KEY (round, recipient, sender)"
    ") STRICT;",
    /*
     * 10: hardened rounds (HARDENED.md): a row in hard_rounds makes a round
     * hardened and holds its sub-phase while the round is open (1 query,
     * 2 evaluate, 3 submit). Keys are public commitments; the batches of
     * blinded and evaluated elements live only while the round needs them
     * (deleted at its end unless it keeps batches); the log has their digests.
     */
    "CREATE TABLE hard_rounds ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  phase INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 3),"
    "  query_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  evaluate_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  batch_size INTEGER NOT NULL CHECK (batch_size > 0)"
    ") STRICT;"
    "CREATE TABLE hard_keys ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  member TEXT NOT NULL,"
    "  pk BLOB NOT NULL CHECK (length(pk) = 32),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, member)"
    ") STRICT;"
    "CREATE TABLE hard_queries ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  querier TEXT NOT NULL,"
    "  blinded BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, querier)"
    ") STRICT;"
    "CREATE TABLE hard_answers ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  querier TEXT NOT NULL,"
    "  answerer TEXT NOT NULL,"
    "  evaluated BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  proof BLOB NOT NULL CHECK (length(proof) = 64),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, querier, answerer)"
    ") STRICT;",
    /*
     * 11: batch files: a batch's sets live in PARK/batches/<round>/<submission>
     * at file_off (offers_len then needs_len bytes, then a CRC-32C); file_off
     * NULL means they are in the offers and needs blobs (rounds from before
     * this migration), which new rows leave empty. epoch: the store's opening
     * that wrote them. file_end: where the submission's next chunk goes.
     */
    "ALTER TABLE batches ADD COLUMN file_off INTEGER;"
    "ALTER TABLE batches ADD COLUMN offers_len INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE batches ADD COLUMN needs_len INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE batches ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE submissions ADD COLUMN file_end INTEGER NOT NULL DEFAULT 0;",
    /*
     * 12: reach: each member's site (REACH.md), as its certificate binds it, in
     * hundredths of a degree. Members enrolled before have none (site_set 0):
     * their distance is unknown and they stay within every reach.
     */
    "ALTER TABLE members ADD COLUMN site_set INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_set IN (0, 1));"
    "ALTER TABLE members ADD COLUMN site_lat INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_lat BETWEEN -9000 AND 9000);"
    "ALTER TABLE members ADD COLUMN site_lon INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_lon BETWEEN -18000 AND 18000);",
    /*
     * 13: a member asks for the entry that logged the announcement it was
     * shown (protocol 1.2): the newest entry of a kind, without scanning the
     * round's hundred thousand entries since.
     */
    "CREATE INDEX log_entries_kind ON log_entries (kind, idx);",
};

const size_t store_migrations_n = sizeof(store_migrations) / sizeof(store_migrations[0]);
