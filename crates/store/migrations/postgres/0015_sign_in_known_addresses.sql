-- Sign-in throttle: the addresses each account has signed in from. While an address is over
-- its failure limit, a right password for an account that signed in from it recently still
-- gets through, so one client's mistakes behind a shared proxy do not lock out the office
-- (decision 0013).
CREATE TABLE login_known_addresses (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address         TEXT NOT NULL,
    last_success_at TEXT NOT NULL,
    PRIMARY KEY (user_id, address)
);
CREATE INDEX login_known_addresses_age ON login_known_addresses (last_success_at);
