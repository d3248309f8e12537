-- What the reference reader's Rust functions make of each distinct label of a file (filled by
-- src/ingest/fast.rs): a code or text, or a number; both NULL when the label is not understood.
CREATE OR REPLACE TEMP TABLE fast_labels (
    field           VARCHAR NOT NULL,
    raw             VARCHAR NOT NULL,
    text            VARCHAR,
    num             BIGINT
);
