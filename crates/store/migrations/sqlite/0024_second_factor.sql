-- Two-step sign-in (issue 13, decision 0018): an account's TOTP secret (RFC 6238), its
-- single-use recovery codes, and the sign-ins whose password was right and that wait for the
-- second step. A secret without `confirmed_at` is an enrolment begun and not yet proved.

CREATE TABLE totp_secrets (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    confirmed_at TEXT,
    -- The last time step whose code was accepted: a code is good once.
    last_step    BIGINT NOT NULL DEFAULT 0,
    -- Wrong codes in the time step `failed_step`; five lock the secret until the next step.
    failed_step  BIGINT NOT NULL DEFAULT 0,
    failures     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'enrol')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_challenges_user ON sign_in_challenges (user_id);
