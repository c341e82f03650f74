-- Awards a contest gives to units rather than to contestants (优秀组织奖, PRODUCT.md C8): the
-- organiser names the unit and the award; each has its certificate.

CREATE TABLE contest_awards (
    id          INTEGER PRIMARY KEY,
    contest_id  BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    title       TEXT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    UNIQUE (contest_id, unit_id, title)
);
