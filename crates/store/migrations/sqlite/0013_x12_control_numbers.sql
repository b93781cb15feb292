-- Chartroom schema 13 (SQLite): the last X12 control number used per sender and kind
-- (interchange ISA13, group GS06, transaction set ST02), so numbers never repeat.

CREATE TABLE x12_control_numbers (
    sender TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('interchange', 'group', 'transaction')),
    last_number BIGINT NOT NULL CHECK (last_number BETWEEN 1 AND 999999999),
    PRIMARY KEY (sender, kind)
);
