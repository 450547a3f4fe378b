-- depgate's audit log in PostgreSQL: one hash chain for the whole fleet.
--
-- Each row is exactly one record of audit.jsonl: `line` holds its bytes as the JSONL file
-- would (without the newline), `seq`, `prev` and `hash` repeat the record's own fields so
-- the head is found without parsing. `depgate audit verify --database` recomputes every
-- hash from `line` and checks the columns against it.
CREATE TABLE depgate_audit (
    seq      bigint PRIMARY KEY CHECK (seq BETWEEN 1 AND 9007199254740991),
    prev     text   NOT NULL,
    hash     text   NOT NULL,
    line     text   NOT NULL,
    -- For `depgate audit query --database`: filters the server applies.
    decision text GENERATED ALWAYS AS (line::jsonb ->> 'decision') STORED,
    upstream text GENERATED ALWAYS AS (line::jsonb ->> 'upstream') STORED
);

-- Append-only, twice over. The privileges: nobody but the owner may change rows, and the
-- owner gives the right up too (an owner can grant it back to itself: the trigger below
-- still stands in the way).
REVOKE UPDATE, DELETE, TRUNCATE ON depgate_audit FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON depgate_audit FROM CURRENT_USER;

-- The trigger: an UPDATE, DELETE or TRUNCATE raises, whoever runs it. A superuser (or the
-- owner, with ALTER TABLE … DISABLE TRIGGER) can still get past it; what they change is
-- caught by the hash chain (`depgate audit verify --database` names the first seq).
CREATE FUNCTION depgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'depgate_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER depgate_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON depgate_audit
    FOR EACH ROW EXECUTE FUNCTION depgate_audit_append_only();

CREATE TRIGGER depgate_audit_no_truncate
    BEFORE TRUNCATE ON depgate_audit
    FOR EACH STATEMENT EXECUTE FUNCTION depgate_audit_append_only();
